#!/usr/bin/env python3
"""module_deps.py [--graph] [OBJ_DIR]

Checks the rule of docs/design.md ("Checking the rule") on the compiled
objects of the product (OBJ_DIR, default build/rel/obj; tests/ is skipped):

  * inside one module folder (xen/vke, daemon, backend/scsi, ...) the files do
    not call each other in a loop: the file graph (edge B -> A when B uses a
    global symbol that A defines) has no strongly connected component of more
    than one file;
  * across modules every edge points down the layers
        util <- wire <- plat (with plat/xen, plat/loop) <- db <- vke, client, vio
             <- backend/lu <- backend/scsi, backend/dsa <- backend/prsync, backend/cke <- backend/vscsi
             <- backend, daemon, toolstack
    and modules of one layer do not use each other, with one exception, the
    platform seam: plat/xen and plat/loop implement xen/plat/plat_ops.h and
    may use the seam's helpers in xen/plat (xvios_plat_impl,
    xvios_store_path_valid, xvios_strv_free); xen/plat reaches an
    implementation only through the ops table it exports; the two
    implementations never use each other, and nothing under xen/plat uses
    db, vke or anything above.

A cycle listed in KNOWN_CYCLES (exactly those files) is reported but does
not fail: modules owned by other work that a split has not reached yet.
Any other cycle, or a known one that grew, fails.

The edges come from `nm`: defined global symbols (T/D/B/R/...) against
undefined ones (U), per object file, so they are exact for what links.
Exit 0 when the rule holds, 1 when it is broken (each offence printed),
2 on a usage or tool error. --graph also prints every edge.
"""
import os
import subprocess
import sys

# Layer of each module folder (path below OBJ_DIR); higher uses lower.
LAYERS = {
    "xen/util": 0,
    "xen/wire": 1,
    "xen/plat": 2,
    "xen/plat/xen": 2,
    "xen/plat/loop": 2,
    "xen/plat/cpg": 2,
    "xen/plat/tcp": 2,
    "xen/plat/mesh": 2,
    "xen/plat/rdb": 2,
    "xen/db": 3,
    "xen/vke": 4,
    "xen/client": 4,
    "xen/vio": 4,
    "backend/lu": 5,
    "backend/scsi": 6,
    "backend/prsync": 7,
    "backend/dsa": 6,
    "backend/cke": 7,
    "backend/vscsi": 8,
    "backend": 9,
    "daemon": 9,
    "toolstack": 9,
}
# The platform seam: the implementations may use the seam's helpers ...
SIDEWAYS = {("xen/plat/xen", "xen/plat"), ("xen/plat/loop", "xen/plat"),
            # the multi-host transport joins its two halves: CPG membership opens the TCP links
            ("xen/plat/mesh", "xen/plat/cpg"), ("xen/plat/mesh", "xen/plat/tcp"),
            # ... and offers its links through the seam (xvios_plat_link_divert)
            ("xen/plat/mesh", "xen/plat"),
            # the replicated DB checks paths as the platform's stores do
            ("xen/plat/rdb", "xen/plat")}
# ... and the dispatcher names an implementation only by its ops table.
SEAM = {"xen/plat/xen": {"xvios_plat_xen_ops"}, "xen/plat/loop": {"xvios_plat_loopback_ops"}}

# Cycles known and accepted for now: {module: [(files, why), ...]}; the file set must match exactly.
KNOWN_CYCLES = {
    "backend/scsi": [
        ({"scsi_pr_blob.c", "scsi_pr_state.c"}, "PR state persists through the blob, the blob's load releases"),
        ({"scsi_capacity.c", "scsi_caw.c", "scsi_dispatch.c", "scsi_inquiry.c", "scsi_io.c", "scsi_mode.c",
          "scsi_range.c", "scsi_rsoc.c", "scsi_rw.c", "scsi_sbc_table.c", "scsi_spc.c", "scsi_ws.c"},
         "the opcode table names the commands, the commands use the dispatcher's reply helpers, a range "
         "unlock re-runs a waiting command"),
    ],
}


def module_of(rel):
    d = os.path.dirname(rel)
    if d in LAYERS:
        return d
    return None


def read_symbols(obj_dir):
    objs = []
    for root, dirs, files in os.walk(obj_dir):
        dirs.sort()
        rel_root = os.path.relpath(root, obj_dir)
        if rel_root == "tests" or rel_root.startswith("tests" + os.sep):
            dirs[:] = []
            continue
        for f in sorted(files):
            if f.endswith(".o"):
                objs.append(os.path.join(root, f))
    if not objs:
        raise RuntimeError("no object files under %s (build first: make)" % obj_dir)
    out = subprocess.run(["nm", "-A", "-P", "-g"] + objs, check=True,
                         capture_output=True, text=True).stdout
    defined, used = {}, {}
    for line in out.splitlines():
        # "path.o: symbol TYPE [value size]"
        head, _, rest = line.partition(": ")
        parts = rest.split()
        if len(parts) < 2:
            continue
        rel = os.path.relpath(head, obj_dir)[:-2] + ".c"
        sym, kind = parts[0], parts[1]
        if kind == "U":
            used.setdefault(rel, set()).add(sym)
        elif kind not in ("w", "v"):
            defined.setdefault(sym, []).append(rel)
        used.setdefault(rel, set())
    return defined, used


def file_edges(defined, used):
    """{(from_file, to_file): sorted symbols} for every use of a symbol defined elsewhere."""
    edges = {}
    for user, syms in used.items():
        for sym in syms:
            owners = defined.get(sym, [])
            if len(owners) > 1:
                # Same symbol in several programs (main, ...): take the one of the user's module.
                owners = [o for o in owners if module_of(o) == module_of(user)] or owners
            for owner in owners:
                if owner != user:
                    edges.setdefault((user, owner), set()).add(sym)
    return {k: sorted(v) for k, v in edges.items()}


def sccs(nodes, succ):
    """Tarjan's strongly connected components, iterative."""
    index, low, on_stack, stack, out = {}, {}, set(), [], []
    counter = 0
    for start in sorted(nodes):
        if start in index:
            continue
        work = [(start, iter(sorted(succ.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, it = work[-1]
            advanced = False
            for nxt in it:
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(succ.get(nxt, ())))))
                    advanced = True
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            if advanced:
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    n = stack.pop()
                    on_stack.discard(n)
                    comp.append(n)
                    if n == node:
                        break
                out.append(sorted(comp))
    return out


def main(argv):
    show_graph = "--graph" in argv
    args = [a for a in argv if a != "--graph"]
    if len(args) > 1 or any(a.startswith("-") for a in args):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    obj_dir = args[0] if args else "build/rel/obj"
    try:
        defined, used = read_symbols(obj_dir)
    except (OSError, RuntimeError, subprocess.CalledProcessError) as e:
        print("module_deps: %s" % e, file=sys.stderr)
        return 2
    edges = file_edges(defined, used)
    bad = 0

    unknown = sorted({f for f in used if module_of(f) is None})
    for f in unknown:
        print("UNKNOWN  %s is in no module folder of the layer table" % f)
        bad += 1

    # Cycles between the files of one module.
    per_module = {}
    for (a, b) in edges:
        ma, mb = module_of(a), module_of(b)
        if ma is not None and ma == mb:
            per_module.setdefault(ma, {}).setdefault(a, set()).add(b)
    files_of = {}
    for f in used:
        files_of.setdefault(module_of(f), set()).add(f)
    for mod in sorted(m for m in files_of if m is not None):
        succ = per_module.get(mod, {})
        for comp in sccs(files_of[mod], succ):
            if len(comp) < 2:
                continue
            names = {os.path.basename(f) for f in comp}
            why = [w for files, w in KNOWN_CYCLES.get(mod, []) if files == names]
            if why:
                print("KNOWN    %s: %d files in a loop (%s): %s" % (mod, len(comp), why[0], " ".join(sorted(names))))
                continue
            bad += 1
            print("CYCLE    %s: %d files call each other in a loop:" % (mod, len(comp)))
            for a in comp:
                for b in sorted(succ.get(a, ())):
                    if b in comp:
                        print("           %s -> %s  (%s)" % (a, b, ", ".join(edges[(a, b)])))

    # Edges across modules.
    for (a, b), syms in sorted(edges.items()):
        ma, mb = module_of(a), module_of(b)
        if ma is None or mb is None or ma == mb:
            continue
        la, lb = LAYERS[ma], LAYERS[mb]
        if la > lb or (ma, mb) in SIDEWAYS:
            continue
        if la == lb and mb in SEAM and ma == "xen/plat":
            if set(syms) <= SEAM[mb]:
                continue
            bad += 1
            print("SEAM     %s -> %s  (%s): xen/plat reaches %s only through its ops table"
                  % (a, b, ", ".join(syms), mb))
            continue
        bad += 1
        if la < lb:
            print("UPWARD   %s -> %s  (%s): %s is below %s" % (a, b, ", ".join(syms), ma, mb))
        else:
            print("SIDEWAYS %s -> %s  (%s): %s and %s are one layer" % (a, b, ", ".join(syms), ma, mb))

    if show_graph:
        for (a, b), syms in sorted(edges.items()):
            print("EDGE     %s -> %s  (%s)" % (a, b, ", ".join(syms)))
    nmods = len([m for m in files_of if m is not None])
    print("module_deps: %d files, %d modules, %d file edges, %d offence(s)"
          % (len(used), nmods, len(edges), bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
