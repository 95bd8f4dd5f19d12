/* SPDX-License-Identifier: MIT */
/* scsi_dev.c - a target's LUN map: LUN number -> LU, kept sorted for REPORT LUNS. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "backend/scsi/scsi_int.h"

struct scsi_dev *scsi_dev_new(void)
{
    return calloc(1, sizeof(struct scsi_dev));
}

void scsi_dev_free(struct scsi_dev *dev)
{
    if (!dev)
        return;
    free(dev->map);
    free(dev);
}

/* Index of the first entry with lun >= the given one. */
static size_t lower_bound(const struct scsi_dev *dev, uint32_t lun)
{
    size_t lo = 0, hi = dev->n;

    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;

        if (dev->map[mid].lun < lun)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int scsi_dev_map_lun(struct scsi_dev *dev, uint32_t lun, struct scsi_lu *lu)
{
    size_t i;

    if (lun > SCSI_LUN_MAX || !lu)
        return -EINVAL;
    i = lower_bound(dev, lun);
    if (i < dev->n && dev->map[i].lun == lun)
        return -EEXIST;
    if (dev->n == dev->cap) {
        size_t cap = dev->cap ? dev->cap * 2 : 8;
        struct scsi_lun_entry *m = realloc(dev->map, cap * sizeof(*m));

        if (!m)
            return -ENOMEM;
        dev->map = m;
        dev->cap = cap;
    }
    memmove(&dev->map[i + 1], &dev->map[i], (dev->n - i) * sizeof(*dev->map));
    dev->map[i] = (struct scsi_lun_entry){ .lun = lun, .lu = lu };
    dev->n++;
    return 0;
}

int scsi_dev_unmap_lun(struct scsi_dev *dev, uint32_t lun)
{
    size_t i = lower_bound(dev, lun);

    if (i == dev->n || dev->map[i].lun != lun)
        return -ENOENT;
    memmove(&dev->map[i], &dev->map[i + 1], (dev->n - i - 1) * sizeof(*dev->map));
    dev->n--;
    return 0;
}

struct scsi_lu *scsi_dev_lu(const struct scsi_dev *dev, uint32_t lun)
{
    size_t i = lower_bound(dev, lun);

    return i < dev->n && dev->map[i].lun == lun ? dev->map[i].lu : NULL;
}
