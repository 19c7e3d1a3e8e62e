#!/usr/bin/env python3
"""Builds the hand-made recorded hosts under tests/data/hosts/ (numa2-5.15, old-4.19,
container-v2-6.1, fragmented-6.1, systemd-v2-6.12) from a few chosen inputs per host and the kernel's own formulas, so that every
derived number agrees the way it does on a real machine:

  * zone watermarks: __setup_per_zone_wmarks (mm/page_alloc.c) from min_free_kbytes,
    watermark_scale_factor and each zone's managed pages; 6.1+ caps an (empty) Movable zone's min
    at clamp(managed/1024, 32, 128) like HighMem;
  * protection (lowmem_reserve): setup_per_zone_lowmem_reserve with lowmem_reserve_ratio
    256 256 32 0 0;
  * totalreserve_pages = sum over zones of min(high + max(protection), managed);
  * nr_dirty_threshold / nr_dirty_background_threshold: global_dirtyable_memory +
    domain_dirty_limits (ratios in 1/4096 steps, *_bytes rounded up to pages), with free = MemFree;
  * MemAvailable: si_mem_available; MemTotal = sum of managed pages; MemFree = sum of zone free
    pages = nr_free_pages; per-node meminfo sums to /proc/meminfo; buddyinfo sums to zone free;
  * min_free_kbytes where the kernel chose it: max(int_sqrt(lowmem_kB * 16) clamped, the THP
    recommendation of 11 pageblocks per populated zone up to Normal);
  * a fragmented zone's free lists: pagetypeinfo splits buddyinfo's counts between migrate types,
    and debugfs extfrag_index / unusable_index are __fragmentation_index / unusable_free_index
    (mm/vmstat.c) of those counts, printed as the kernel prints them.

Run it from anywhere; it rewrites the five directories (ABOUT.md files are kept).
Only maintainers need it (Python 3); the tests read the files it wrote.
"""
import math
import os
import shutil

PAGE_KB = 4
HERE = os.path.dirname(os.path.abspath(__file__))
ZONE_NAMES = ["DMA", "DMA32", "Normal", "Movable", "Device"]
LOWMEM_RESERVE_RATIO = [256, 256, 32, 0, 0]
PAGEBLOCK = 512


class Zone:
    def __init__(self, name, spanned=0, present=0, managed=0, free=0, buddy_top=10, fragments=None,
                 pageblocks=None):
        self.name, self.spanned, self.present, self.managed, self.free = name, spanned, present, managed, free
        self.buddy_top = buddy_top  # highest order holding most of the free memory
        # A fragmented zone: share of its free pages in blocks of each order 0..10 (the rest at
        # order 0), and its pageblocks per migrate type (pagetypeinfo).
        self.fragments = fragments
        self.pageblocks = pageblocks
        self.min = self.low = self.high = self.promo = 0
        self.protection = [0] * len(ZONE_NAMES)
        self.stats = {}  # per-zone LRU split, filled by split_node_stats
        self.start_pfn = 0


class Node:
    def __init__(self, node_id, cpulist, distances, zones, stats, numastat):
        self.id, self.cpulist, self.distances, self.zones = node_id, cpulist, distances, zones
        self.stats = stats  # node-level page counts (keys as in vmstat)
        self.numastat = numastat


def kernel_at_least(host, major, minor):
    return host["version"] >= (major, minor)


# ---------------------------------------------------------------------------------- formulas

def int_sqrt(n):
    return math.isqrt(n)


def setup_lowmem_reserve(host):
    for node in host["nodes"]:
        zones = node.zones
        for i, zone in enumerate(zones):
            ratio = LOWMEM_RESERVE_RATIO[i]
            clear = ratio == 0 or zone.managed == 0
            managed = 0
            for j in range(i + 1, len(zones)):
                managed += zones[j].managed
                # 4.19 computes the same values for populated zones; empty lower zones differ
                # (5.12+ clears them) but contribute nothing to totalreserve either way.
                if clear and kernel_at_least(host, 5, 12):
                    zone.protection[j] = 0
                elif ratio == 0:
                    zone.protection[j] = 0
                else:
                    zone.protection[j] = managed // ratio


def setup_watermarks(host):
    pages_min = host["min_free_kbytes"] // PAGE_KB
    wsf = host["watermark_scale_factor"]
    movable_capped = kernel_at_least(host, 6, 1)
    all_zones = [z for node in host["nodes"] for z in node.zones]
    lowmem = sum(z.managed for z in all_zones if not (movable_capped and z.name == "Movable"))
    for z in all_zones:
        tmp = pages_min * z.managed // lowmem
        if movable_capped and z.name == "Movable":
            z.min = min(max(z.managed // 1024, 32), 128)
        else:
            z.min = tmp
        gap = max(tmp >> 2, (z.managed // 10000) * wsf + (z.managed % 10000) * wsf // 10000)
        z.low = z.min + gap
        z.high = z.min + 2 * gap
        z.promo = z.min + 3 * gap


def totalreserve(host):
    total = 0
    for node in host["nodes"]:
        for i, z in enumerate(node.zones):
            reserve = max(z.protection[i:] + [0]) + z.high
            total += min(reserve, z.managed)
    return total


def thp_recommended_min_free_kbytes(host):
    zones = [z for n in host["nodes"] for i, z in enumerate(n.zones) if i <= 2 and z.present > 0]
    recommended = PAGEBLOCK * len(zones) * (2 + 3 * 3)
    free_buffer = sum(max(0, z.managed - z.high) for n in host["nodes"] for i, z in enumerate(n.zones) if i <= 2)
    return min(recommended, free_buffer // 20) * PAGE_KB


def default_min_free_kbytes(host):
    lowmem_kb = sum(z.managed for n in host["nodes"] for i, z in enumerate(n.zones) if i <= 2) * PAGE_KB
    cap = 262144 if kernel_at_least(host, 5, 7) else 65536
    return min(max(int_sqrt(lowmem_kb * 16), 128), cap)


def totals(host, key):
    return sum(node.stats.get(key, 0) for node in host["nodes"])


def free_pages(host):
    return sum(z.free for n in host["nodes"] for z in n.zones)


def dirty_thresholds(host):
    free = free_pages(host)  # MemFree / 4 KiB: the same here, no lazily initialised memory
    x = free - min(free, totalreserve(host))
    x += totals(host, "nr_inactive_file") + totals(host, "nr_active_file")
    available = x + 1
    s = host["settings"]
    if s["vm.dirty_bytes"]:
        thresh = -(-s["vm.dirty_bytes"] // 4096)
    else:
        thresh = (s["vm.dirty_ratio"] * 4096 // 100) * available // 4096
    if s["vm.dirty_background_bytes"]:
        bg = -(-s["vm.dirty_background_bytes"] // 4096)
    else:
        bg = (s["vm.dirty_background_ratio"] * 4096 // 100) * available // 4096
    if bg >= thresh:
        bg = thresh // 2
    return thresh, bg


def mem_available(host):
    wmark_low = sum(z.low for n in host["nodes"] for z in n.zones)
    available = free_pages(host) - totalreserve(host)
    pagecache = totals(host, "nr_active_file") + totals(host, "nr_inactive_file")
    pagecache -= min(pagecache // 2, wmark_low)
    available += pagecache
    reclaimable = totals(host, "nr_slab_reclaimable") + totals(host, "nr_kernel_misc_reclaimable")
    available += reclaimable - min(reclaimable // 2, wmark_low)
    return max(available, 0)


# ---------------------------------------------------------------------------------- node stats

NODE_LRU_KEYS = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable"]


def split_node_stats(node):
    """Spreads the node's LRU pages over its populated zones, in proportion to used pages."""
    populated = [z for z in node.zones if z.managed > 0]
    used = [z.managed - z.free for z in populated]
    total_used = sum(used)
    for key in NODE_LRU_KEYS + ["nr_mlock_pages", "nr_write_pending", "nr_page_table_pages", "nr_kernel_stack_kb"]:
        value = node.stats.get(key, 0) if key != "nr_write_pending" else node.stats["nr_dirty"] + node.stats["nr_writeback"]
        given = 0
        for k, z in enumerate(populated):
            share = value - given if k == len(populated) - 1 else value * used[k] // total_used
            z.stats[key] = share
            given += share


# ---------------------------------------------------------------------------------- writers

def write(root, rel, text):
    path = os.path.join(root, rel)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def kb_line(label, kb):
    return f"{label + ':':<16}{kb:>8} kB\n"


def meminfo_text(host):
    s = lambda k: totals(host, k)
    free = free_pages(host)
    managed = sum(z.managed for n in host["nodes"] for z in n.zones)
    file_pages = s("nr_file_pages")
    buffers = host["buffers_pages"]
    swapcached = s("nr_swapcached")
    swap_total = sum(d["size_kb"] for d in host["swaps"])
    swap_used = sum(d["used_kb"] for d in host["swaps"])
    slab_r, slab_u = s("nr_slab_reclaimable"), s("nr_slab_unreclaimable")
    v = host["version"]
    lines = [
        kb_line("MemTotal", managed * PAGE_KB),
        kb_line("MemFree", free * PAGE_KB),
        kb_line("MemAvailable", mem_available(host) * PAGE_KB),
        kb_line("Buffers", buffers * PAGE_KB),
        kb_line("Cached", (file_pages - swapcached - buffers) * PAGE_KB),
        kb_line("SwapCached", swapcached * PAGE_KB),
        kb_line("Active", (s("nr_active_anon") + s("nr_active_file")) * PAGE_KB),
        kb_line("Inactive", (s("nr_inactive_anon") + s("nr_inactive_file")) * PAGE_KB),
        kb_line("Active(anon)", s("nr_active_anon") * PAGE_KB),
        kb_line("Inactive(anon)", s("nr_inactive_anon") * PAGE_KB),
        kb_line("Active(file)", s("nr_active_file") * PAGE_KB),
        kb_line("Inactive(file)", s("nr_inactive_file") * PAGE_KB),
        kb_line("Unevictable", s("nr_unevictable") * PAGE_KB),
        kb_line("Mlocked", s("nr_mlock_pages") * PAGE_KB),
        kb_line("SwapTotal", swap_total),
        kb_line("SwapFree", swap_total - swap_used),
    ]
    if v >= (6, 0):
        lines += [kb_line("Zswap", 0), kb_line("Zswapped", 0)]
    lines += [
        kb_line("Dirty", s("nr_dirty") * PAGE_KB),
        kb_line("Writeback", s("nr_writeback") * PAGE_KB),
        kb_line("AnonPages", s("nr_anon_pages") * PAGE_KB),
        kb_line("Mapped", s("nr_mapped") * PAGE_KB),
        kb_line("Shmem", s("nr_shmem") * PAGE_KB),
    ]
    if v >= (5, 0):
        lines.append(kb_line("KReclaimable", (slab_r + s("nr_kernel_misc_reclaimable")) * PAGE_KB))
    lines += [
        kb_line("Slab", (slab_r + slab_u) * PAGE_KB),
        kb_line("SReclaimable", slab_r * PAGE_KB),
        kb_line("SUnreclaim", slab_u * PAGE_KB),
        kb_line("KernelStack", s("nr_kernel_stack_kb")),
        kb_line("PageTables", s("nr_page_table_pages") * PAGE_KB),
    ]
    if v >= (6, 0):
        lines.append(kb_line("SecPageTables", 0))
    overcommit_ratio = host["settings"]["vm.overcommit_ratio"]
    lines += [
        kb_line("NFS_Unstable", 0),
        kb_line("Bounce", 0),
        kb_line("WritebackTmp", 0),
        kb_line("CommitLimit", managed * overcommit_ratio // 100 * PAGE_KB + swap_total),
        kb_line("Committed_AS", host["committed_as_kb"]),
        kb_line("VmallocTotal", 34359738367),
        kb_line("VmallocUsed", host["vmalloc_used_kb"]),
        kb_line("VmallocChunk", 0),
        kb_line("Percpu", host["percpu_kb"]),
        "HardwareCorrupted:     0 kB\n",
        kb_line("AnonHugePages", s("nr_anon_transparent_hugepages") * 512 * PAGE_KB),
        kb_line("ShmemHugePages", 0),
        kb_line("ShmemPmdMapped", 0),
    ]
    if v >= (5, 4):
        lines += [kb_line("FileHugePages", 0), kb_line("FilePmdMapped", 0)]
    lines += [
        f"{'HugePages_Total:':<16}{0:>8}\n",
        f"{'HugePages_Free:':<16}{0:>8}\n",
        f"{'HugePages_Rsvd:':<16}{0:>8}\n",
        f"{'HugePages_Surp:':<16}{0:>8}\n",
        kb_line("Hugepagesize", 2048),
        kb_line("Hugetlb", 0),
    ]
    direct = host["direct_map_kb"]
    lines += [kb_line("DirectMap4k", direct[0]), kb_line("DirectMap2M", direct[1])]
    if direct[2]:
        lines.append(kb_line("DirectMap1G", direct[2]))
    return "".join(lines)


def node_meminfo_text(host, node):
    st = node.stats
    free = sum(z.free for z in node.zones)
    total = sum(z.managed for z in node.zones)
    n = node.id

    def line(label, kb):
        return f"Node {n} {label + ':':<15}{kb:>8} kB\n"

    out = [line("MemTotal", total * PAGE_KB), line("MemFree", free * PAGE_KB), line("MemUsed", (total - free) * PAGE_KB)]
    if host["version"] >= (5, 14):
        out.append(line("SwapCached", st.get("nr_swapcached", 0) * PAGE_KB))
    out += [
        line("Active", (st["nr_active_anon"] + st["nr_active_file"]) * PAGE_KB),
        line("Inactive", (st["nr_inactive_anon"] + st["nr_inactive_file"]) * PAGE_KB),
        line("Active(anon)", st["nr_active_anon"] * PAGE_KB),
        line("Inactive(anon)", st["nr_inactive_anon"] * PAGE_KB),
        line("Active(file)", st["nr_active_file"] * PAGE_KB),
        line("Inactive(file)", st["nr_inactive_file"] * PAGE_KB),
        line("Unevictable", st["nr_unevictable"] * PAGE_KB),
        line("Mlocked", st["nr_mlock_pages"] * PAGE_KB),
        line("Dirty", st["nr_dirty"] * PAGE_KB),
        line("Writeback", st["nr_writeback"] * PAGE_KB),
        line("FilePages", st["nr_file_pages"] * PAGE_KB),
        line("Mapped", st["nr_mapped"] * PAGE_KB),
        line("AnonPages", st["nr_anon_pages"] * PAGE_KB),
        line("Shmem", st["nr_shmem"] * PAGE_KB),
        line("KernelStack", st["nr_kernel_stack_kb"]),
        line("PageTables", st["nr_page_table_pages"] * PAGE_KB),
        line("NFS_Unstable", 0),
        line("Bounce", 0),
        line("WritebackTmp", 0),
    ]
    if host["version"] >= (5, 0):
        out.append(line("KReclaimable", (st["nr_slab_reclaimable"] + st.get("nr_kernel_misc_reclaimable", 0)) * PAGE_KB))
    out += [
        line("Slab", (st["nr_slab_reclaimable"] + st["nr_slab_unreclaimable"]) * PAGE_KB),
        line("SReclaimable", st["nr_slab_reclaimable"] * PAGE_KB),
        line("SUnreclaim", st["nr_slab_unreclaimable"] * PAGE_KB),
        line("AnonHugePages", st["nr_anon_transparent_hugepages"] * 512 * PAGE_KB),
        line("ShmemHugePages", 0),
        line("ShmemPmdMapped", 0),
    ]
    if host["version"] >= (5, 4):
        out += [line("FileHugePages", 0), line("FilePmdMapped", 0)]
    out += [f"Node {n} HugePages_Total: {0:>5}\n", f"Node {n} HugePages_Free:  {0:>5}\n", f"Node {n} HugePages_Surp:  {0:>5}\n"]
    return "".join(out)


def zone_stat_names(host):
    names = ["nr_free_pages", "nr_zone_inactive_anon", "nr_zone_active_anon", "nr_zone_inactive_file",
             "nr_zone_active_file", "nr_zone_unevictable", "nr_zone_write_pending", "nr_mlock"]
    if host["version"] < (5, 9):
        names += ["nr_page_table_pages", "nr_kernel_stack"]
    names += ["nr_bounce", "nr_zspages", "nr_free_cma"]
    return names


def zone_stat_value(zone, name):
    key = {"nr_free_pages": None, "nr_zone_inactive_anon": "nr_inactive_anon",
           "nr_zone_active_anon": "nr_active_anon", "nr_zone_inactive_file": "nr_inactive_file",
           "nr_zone_active_file": "nr_active_file", "nr_zone_unevictable": "nr_unevictable",
           "nr_zone_write_pending": "nr_write_pending", "nr_mlock": "nr_mlock_pages",
           # zone counters before 5.9 (node counters since)
           "nr_page_table_pages": "nr_page_table_pages", "nr_kernel_stack": "nr_kernel_stack_kb"}.get(name, "")
    if name == "nr_free_pages":
        return zone.free
    return zone.stats.get(key, 0) if key else 0


def node_stat_names(host):
    v = host["version"]
    names = ["nr_inactive_anon", "nr_active_anon", "nr_inactive_file", "nr_active_file", "nr_unevictable",
             "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_isolated_anon", "nr_isolated_file",
             "workingset_nodes"]
    if v >= (5, 9):
        names += ["workingset_refault_anon", "workingset_refault_file", "workingset_activate_anon",
                  "workingset_activate_file", "workingset_restore_anon", "workingset_restore_file"]
    else:
        names += ["workingset_refault", "workingset_activate"]
    names += ["workingset_nodereclaim", "nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback",
              "nr_writeback_temp", "nr_shmem", "nr_shmem_hugepages", "nr_shmem_pmdmapped"]
    if v >= (5, 4):
        names += ["nr_file_hugepages", "nr_file_pmdmapped"]
    names += ["nr_anon_transparent_hugepages"]
    if v < (5, 8):
        names += ["nr_unstable"]
    names += ["nr_vmscan_write", "nr_vmscan_immediate_reclaim", "nr_dirtied", "nr_written",
              "nr_kernel_misc_reclaimable"]
    if v >= (5, 9):
        names += ["nr_foll_pin_acquired", "nr_foll_pin_released", "nr_kernel_stack", "nr_page_table_pages"]
    if v >= (6, 0):
        names += ["nr_sec_page_table_pages"]
    if v >= (5, 14):
        names += ["nr_swapcached"]
    if v >= (6, 0):
        names += ["pgpromote_success", "pgpromote_candidate"]
    return names


def node_stat_value(node, name):
    st = node.stats
    if name == "nr_kernel_stack":
        return st["nr_kernel_stack_kb"]
    if name in ("workingset_refault", "workingset_refault_anon", "workingset_refault_file",
                "workingset_activate", "workingset_activate_anon", "workingset_activate_file",
                "workingset_restore_anon", "workingset_restore_file", "nr_dirtied", "nr_written",
                "workingset_nodes", "workingset_nodereclaim", "nr_vmscan_write", "nr_vmscan_immediate_reclaim"):
        return st.get(name, 0)
    return st.get(name, 0)


def zoneinfo_text(host):
    out = []
    v = host["version"]
    ncpus = host["ncpus"]
    for node in host["nodes"]:
        first_populated = next(i for i, z in enumerate(node.zones) if z.managed > 0)
        for i, z in enumerate(node.zones):
            out.append(f"Node {node.id}, zone {z.name:>8}")
            if i == first_populated:
                out.append("\n  per-node stats")
                for name in node_stat_names(host):
                    out.append(f"\n      {name:<12} {node_stat_value(node, name)}")
            out.append(f"\n  pages free     {z.free}")
            if v >= (5, 0):
                out.append(f"\n        boost    0")
            out.append(f"\n        min      {z.min}")
            out.append(f"\n        low      {z.low}")
            out.append(f"\n        high     {z.high}")
            if v >= (6, 0):
                out.append(f"\n        promo    {z.promo}")
            out.append(f"\n        spanned  {z.spanned}")
            out.append(f"\n        present  {z.present}")
            out.append(f"\n        managed  {z.managed}")
            if v >= (5, 9):
                out.append(f"\n        cma      0")
            out.append("\n        protection: (" + ", ".join(str(p) for p in z.protection) + ")")
            if z.managed == 0 and z.present == 0:
                out.append("\n")
                continue
            for name in zone_stat_names(host):
                out.append(f"\n      {name:<12} {zone_stat_value(z, name)}")
            if host["numa"]:
                for name in ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"]:
                    out.append(f"\n      {name:<12} {z.stats.get(name, 0)}")
            out.append("\n  pagesets")
            for cpu in range(ncpus):
                count = (cpu * 37 + i * 11) % 60 if z.name != "DMA" else 0
                high, batch = (0, 1) if z.name == "DMA" else (378, 63)
                out.append(f"\n    cpu: {cpu}\n              count: {count}\n              high:  {high}\n              batch: {batch}")
                out.append(f"\n  vm stats threshold: {host['stat_threshold'][z.name]}")
            out.append(f"\n  node_unreclaimable:  0\n  start_pfn:           {z.start_pfn}")
            if v < (5, 0):
                out.append("\n  node_inactive_ratio: 0")
            out.append("\n")
    return "".join(out)


def fragmented_counts(zone):
    """Free blocks per order from the zone's share of free pages per order."""
    counts = [zone.free * share // (1 << order) // 100 for order, share in enumerate(zone.fragments)]
    counts[0] += zone.free - sum(c << o for o, c in enumerate(counts))
    return counts


def buddy_counts(zone):
    """Free blocks per order whose page sum equals the zone's free pages."""
    if zone.fragments is not None:
        return fragmented_counts(zone)
    counts = [0] * 11
    remaining = zone.free
    # Most free memory in high orders on a fresh server; a sprinkling of small blocks.
    for order in range(10, -1, -1):
        size = 1 << order
        if order == 0:
            counts[0] = remaining
            break
        keep = min(remaining // 5, 4000) if order < zone.buddy_top else 0
        n = (remaining - keep) // size
        if order < zone.buddy_top:
            n = min(n, max(1, (remaining // size) // 3))
        counts[order] = n
        remaining -= n * size
    assert sum(c << o for o, c in enumerate(counts)) == zone.free
    return counts


def buddyinfo_text(host):
    out = []
    for node in host["nodes"]:
        for z in node.zones:
            if z.managed == 0:
                continue
            out.append(f"Node {node.id}, zone {z.name:>8} " + "".join(f"{c:>6} " for c in buddy_counts(z)) + "\n")
    return "".join(out)


MIGRATE_TYPES = ["Unmovable", "Movable", "Reclaimable", "HighAtomic", "Isolate"]
# How a fragmented zone's free blocks of each order divide between migrate types (per cent):
# movable memory dominates; the unmovable and reclaimable free lists hold the small pieces.
TYPE_SHARES = {"Unmovable": 6, "Movable": 90, "Reclaimable": 4}


def type_counts(counts):
    """Per migrate type free blocks per order, summing to counts."""
    out = {}
    for t in MIGRATE_TYPES:
        share = TYPE_SHARES.get(t, 0)
        out[t] = [c * share // 100 for c in counts]
    for o, c in enumerate(counts):
        out["Movable"][o] += c - sum(out[t][o] for t in MIGRATE_TYPES)
    return out


def pagetypeinfo_text(host):
    orders = "".join(f"{o:>6} " for o in range(11))
    out = ["Page block order: 9\n", "Pages per block:  512\n", "\n",
           f"Free pages count per migrate type at order {orders}\n"]
    populated = [(n, z) for n in host["nodes"] for z in n.zones if z.managed]
    for node, z in populated:
        per_type = type_counts(buddy_counts(z))
        for t in MIGRATE_TYPES:
            out.append(f"Node {node.id:>4}, zone {z.name:>8}, type {t:>12} "
                       + "".join(f"{c:>6} " for c in per_type[t]) + "\n")
    out.append("\nNumber of blocks type     " + "".join(f"{t:>12} " for t in MIGRATE_TYPES) + "\n")
    for node, z in populated:
        blocks = z.pageblocks or {"Movable": -(-z.present // 512)}
        out.append(f"Node {node.id}, zone {z.name:>8} " + "".join(f"{blocks.get(t, 0):>12} " for t in MIGRATE_TYPES)
                   + "\n")
    return "".join(out)


def contig_info(counts, order):
    free = sum(c << o for o, c in enumerate(counts))
    total = sum(counts)
    suitable = sum(c << (o - order) for o, c in enumerate(counts) if o >= order)
    return free, total, suitable


def fragmentation_index(counts, order):
    """__fragmentation_index (mm/vmstat.c), thousandths."""
    free, total, suitable = contig_info(counts, order)
    if total == 0:
        return 0
    if suitable:
        return -1000
    return 1000 - (1000 + free * 1000 // (1 << order)) // total


def unusable_index(counts, order):
    """unusable_free_index (mm/vmstat.c), thousandths."""
    free, total, suitable = contig_info(counts, order)
    if free == 0:
        return 1000
    return (free - (suitable << order)) * 1000 // free


def index_value(milli):
    # The kernel prints index / 1000 and index % 1000 with C's truncating division.
    whole, frac = int(milli / 1000), abs(milli) % 1000
    return f"{'-' if milli < 0 and whole == 0 else ''}{whole}.{frac:03d}"


def debugfs_index_text(host, index, width):
    out = []
    for node in host["nodes"]:
        for z in node.zones:
            if z.managed == 0:
                continue
            counts = buddy_counts(z)
            values = "".join(f"{index_value(index(counts, o)):>{width}} " for o in range(11))
            out.append(f"Node {node.id}, zone {z.name:>8} {values}\n")
    return "".join(out)


def vmstat_text(host):
    v = host["version"]
    ev = host["events"]
    out = []
    zone_names = zone_stat_names(host)
    for name in zone_names:
        out.append((name, sum(zone_stat_value(z, name) for n in host["nodes"] for z in n.zones)))
    if v >= (6, 6):
        pass
    if host["numa"]:
        for name in ["numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other"]:
            out.append((name, sum(z.stats.get(name, 0) for n in host["nodes"] for z in n.zones)))
    for name in node_stat_names(host):
        out.append((name, sum(node_stat_value(n, name) for n in host["nodes"])))
    thresh, bg = dirty_thresholds(host)
    out += [("nr_dirty_threshold", thresh), ("nr_dirty_background_threshold", bg)]
    zones = ["dma", "dma32", "normal", "movable"] + (["device"] if v >= (6, 0) else [])
    for name in ["pgpgin", "pgpgout", "pswpin", "pswpout"]:
        out.append((name, ev.get(name, 0)))
    for stem in ["pgalloc", "allocstall", "pgskip"]:
        for zone in zones:
            out.append((f"{stem}_{zone}", ev.get(f"{stem}_{zone}", 0)))
    names = ["pgfree", "pgactivate", "pgdeactivate", "pglazyfree", "pgfault", "pgmajfault", "pglazyfreed", "pgrefill"]
    if v >= (5, 9):
        names += ["pgreuse"]
    names += ["pgsteal_kswapd", "pgsteal_direct"]
    if v >= (6, 0):
        names += ["pgsteal_khugepaged"]
    if v >= (5, 15):
        names += ["pgdemote_kswapd", "pgdemote_direct"]
    if v >= (6, 0):
        names += ["pgdemote_khugepaged"]
    names += ["pgscan_kswapd", "pgscan_direct"]
    if v >= (6, 0):
        names += ["pgscan_khugepaged"]
    names += ["pgscan_direct_throttle"]
    if v >= (5, 8):
        names += ["pgscan_anon", "pgscan_file", "pgsteal_anon", "pgsteal_file"]
    if host["numa"] or v < (5, 0):
        names += ["zone_reclaim_failed"]
    names += ["pginodesteal", "slabs_scanned", "kswapd_inodesteal", "kswapd_low_wmark_hit_quickly",
              "kswapd_high_wmark_hit_quickly", "pageoutrun", "pgrotated", "drop_pagecache", "drop_slab", "oom_kill",
              "numa_pte_updates", "numa_huge_pte_updates", "numa_hint_faults", "numa_hint_faults_local",
              "numa_pages_migrated", "pgmigrate_success", "pgmigrate_fail"]
    if v >= (5, 9):
        names += ["thp_migration_success", "thp_migration_fail", "thp_migration_split"]
    names += ["compact_migrate_scanned", "compact_free_scanned", "compact_isolated", "compact_stall", "compact_fail",
              "compact_success", "compact_daemon_wake", "compact_daemon_migrate_scanned",
              "compact_daemon_free_scanned", "htlb_buddy_alloc_success", "htlb_buddy_alloc_fail"]
    if v >= (5, 10):
        names += ["cma_alloc_success", "cma_alloc_fail"]
    names += ["unevictable_pgs_culled", "unevictable_pgs_scanned", "unevictable_pgs_rescued", "unevictable_pgs_mlocked",
              "unevictable_pgs_munlocked", "unevictable_pgs_cleared", "unevictable_pgs_stranded",
              "thp_fault_alloc", "thp_fault_fallback"]
    if v >= (5, 8):
        names += ["thp_fault_fallback_charge"]
    names += ["thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_file_alloc"]
    if v >= (5, 8):
        names += ["thp_file_fallback", "thp_file_fallback_charge"]
    names += ["thp_file_mapped", "thp_split_page", "thp_split_page_failed", "thp_deferred_split_page",
              "thp_split_pmd"]
    if v >= (6, 0):
        names += ["thp_scan_exceed_none_pte", "thp_scan_exceed_swap_pte", "thp_scan_exceed_share_pte"]
    names += ["thp_split_pud", "thp_zero_page_alloc", "thp_zero_page_alloc_failed", "thp_swpout",
              "thp_swpout_fallback", "balloon_inflate", "balloon_deflate", "balloon_migrate", "swap_ra", "swap_ra_hit"]
    if v >= (6, 1):
        names += ["ksm_swpin_copy", "cow_ksm", "zswpin", "zswpout"]
    if v >= (5, 15):
        names += ["direct_map_level2_splits", "direct_map_level3_splits"]
    if v >= (5, 8):
        names += ["nr_unstable"]
    for name in names:
        out.append((name, ev.get(name, 0)))
    return "".join(f"{k} {v}\n" for k, v in out)


def swaps_text(host):
    out = ["Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"]
    for d in host["swaps"]:
        name = d["filename"]
        pad = 40 - len(name) if len(name) < 40 else 1
        kind = "partition" if d["type"] == "partition" else "file\t"
        size, used = d["size_kb"], d["used_kb"]
        out.append(f"{name}{' ' * pad}{kind}\t{size}\t{chr(9) if size < 10000000 else ''}{used}\t"
                   f"{chr(9) if used < 10000000 else ''}{d['priority']}\n")
    return "".join(out)


def choice(options, selected):
    return " ".join(f"[{o}]" if o == selected else o for o in options) + "\n"


def write_host(host):
    root = os.path.join(HERE, host["name"])
    about = os.path.join(root, "ABOUT.md")
    about_text = open(about).read() if os.path.exists(about) else None
    if os.path.isdir(root):
        shutil.rmtree(root)
    os.makedirs(root)
    if about_text is not None:
        write(root, "ABOUT.md", about_text)

    for node in host["nodes"]:
        split_node_stats(node)
    setup_lowmem_reserve(host)
    if host.get("min_free_kbytes") is None:  # the kernel's own choice
        # The THP recommendation needs high marks; the kernel computes it after a first setup.
        host["min_free_kbytes"] = default_min_free_kbytes(host)
        setup_watermarks(host)
        if host["thp_enabled"] in ("always", "madvise"):
            host["min_free_kbytes"] = max(host["min_free_kbytes"], thp_recommended_min_free_kbytes(host))
    setup_watermarks(host)
    s = host["settings"]
    s["vm.min_free_kbytes"] = host["min_free_kbytes"]
    s["vm.watermark_scale_factor"] = host["watermark_scale_factor"]

    write(root, "proc/meminfo", meminfo_text(host))
    write(root, "proc/vmstat", vmstat_text(host))
    write(root, "proc/zoneinfo", zoneinfo_text(host))
    write(root, "proc/buddyinfo", buddyinfo_text(host))
    write(root, "proc/swaps", swaps_text(host))
    if host.get("pagetypeinfo"):
        write(root, "proc/pagetypeinfo", pagetypeinfo_text(host))
        write(root, "sys/kernel/debug/extfrag/extfrag_index", debugfs_index_text(host, fragmentation_index, 6))
        write(root, "sys/kernel/debug/extfrag/unusable_index", debugfs_index_text(host, unusable_index, 5))
    for size_kb, pages in host.get("hugetlb", {}).items():
        d = f"sys/kernel/mm/hugepages/hugepages-{size_kb}kB/"
        for name, value in [("nr_hugepages", pages), ("free_hugepages", pages), ("resv_hugepages", 0),
                            ("surplus_hugepages", 0)]:
            write(root, d + name, f"{value}\n")
    if host.get("psi"):
        write(root, "proc/pressure/memory", host["psi"])
    write(root, "proc/sys/kernel/osrelease", host["release"] + "\n")
    write(root, "proc/cmdline", host["cmdline"] + "\n")
    for knob, value in s.items():
        if value is None:
            continue
        if knob.startswith("vm."):
            write(root, "proc/sys/vm/" + knob[3:], f"{value}\n")
        elif knob.startswith("kernel."):
            write(root, "proc/sys/kernel/" + knob[7:], f"{value}\n")
    thp = "sys/kernel/mm/transparent_hugepage/"
    write(root, thp + "enabled", choice(["always", "madvise", "never"], host["thp_enabled"]))
    write(root, thp + "defrag", choice(["always", "defer", "defer+madvise", "madvise", "never"], host["thp_defrag"]))
    write(root, thp + "shmem_enabled", choice(["always", "within_size", "advise", "never", "deny", "force"], "never"))
    write(root, thp + "use_zero_page", "1\n")
    for knob, value in host["khugepaged"].items():
        write(root, thp + "khugepaged/" + knob, f"{value}\n")
    if host.get("lru_gen") is not None:
        write(root, "sys/kernel/mm/lru_gen/enabled", host["lru_gen"] + "\n")
    write(root, "sys/devices/system/cpu/online", host["cpus_online"] + "\n")
    write(root, "sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size", "64\n")
    for node in host["nodes"]:
        d = f"sys/devices/system/node/node{node.id}/"
        write(root, d + "cpulist", node.cpulist + "\n")
        write(root, d + "distance", " ".join(str(x) for x in node.distances) + "\n")
        write(root, d + "meminfo", node_meminfo_text(host, node))
        write(root, d + "numastat", "".join(f"{k} {v}\n" for k, v in node.numastat.items()))
    write(root, "proc/self/cgroup", host["self_cgroup"])
    write(root, "proc/self/mountinfo", host["mountinfo"])
    for rel, text in host["cgroup_files"].items():
        write(root, rel, text)

    thresh, bg = dirty_thresholds(host)
    print(f"{host['name']}: min_free_kbytes {host['min_free_kbytes']}, totalreserve {totalreserve(host)} pages, "
          f"dirty threshold {thresh} / background {bg} pages, MemAvailable {mem_available(host) * 4} kB")
    for node in host["nodes"]:
        for z in node.zones:
            if z.managed:
                print(f"  node {node.id} {z.name:<7} managed {z.managed:>9} min {z.min:>6} low {z.low:>6} "
                      f"high {z.high:>6} protection {z.protection}")


# ---------------------------------------------------------------------------------- the hosts

def node_stats(inactive_anon, active_anon, inactive_file, active_file, extra):
    stats = {"nr_inactive_anon": inactive_anon, "nr_active_anon": active_anon, "nr_inactive_file": inactive_file,
             "nr_active_file": active_file, "nr_unevictable": 0, "nr_mlock_pages": 0}
    stats.update(extra)
    return stats


def with_start_pfns(zones, starts):
    for z, start in zip(zones, starts):
        z.start_pfn = start
    return zones


def numa2_5_15():
    # Two sockets × 8 cores × 2 threads, 64 GiB per node; swap on LVM; THP always from the cmdline.
    node0_zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3840, 3584, buddy_top=10),
        Zone("DMA32", 1044480, 429279, 413775, 287650),
        Zone("Normal", 16252928, 16252928, 15938421, 2107346),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    node1_zones = with_start_pfns([
        Zone("DMA"), Zone("DMA32"),
        Zone("Normal", 16777216, 16777216, 16511052, 2951207),
        Zone("Movable"), Zone("Device")], [0, 0, 17301504, 0, 0])
    common = {"nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
              "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 0,
              "nr_vmscan_immediate_reclaim": 0, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0}
    n0 = node_stats(5102311, 1874120, 2490113, 2211874, dict(common,
        nr_slab_reclaimable=402118, nr_slab_unreclaimable=96402, nr_anon_pages=6912004, nr_mapped=211875,
        nr_file_pages=4823921, nr_dirty=4118, nr_writeback=0, nr_shmem=41208, nr_anon_transparent_hugepages=9214,
        nr_kernel_misc_reclaimable=0, nr_kernel_stack_kb=21840, nr_page_table_pages=38211, nr_swapcached=17826,
        workingset_nodes=10211, workingset_refault_anon=140233, workingset_refault_file=3304981,
        workingset_activate_anon=55120, workingset_activate_file=1102200, workingset_restore_anon=30125,
        workingset_restore_file=610233, workingset_nodereclaim=2011, nr_dirtied=801233412, nr_written=799120311,
        nr_unevictable=0))
    n1 = node_stats(5630021, 1622014, 2802115, 2390122, dict(common,
        nr_slab_reclaimable=388211, nr_slab_unreclaimable=90211, nr_anon_pages=7188311, nr_mapped=198112,
        nr_file_pages=5310231, nr_dirty=1002, nr_writeback=0, nr_shmem=38004, nr_anon_transparent_hugepages=10108,
        nr_kernel_misc_reclaimable=0, nr_kernel_stack_kb=20112, nr_page_table_pages=36008, nr_swapcached=14210,
        workingset_nodes=9921, workingset_refault_anon=121002, workingset_refault_file=2988120,
        workingset_activate_anon=50112, workingset_activate_file=998211, workingset_restore_anon=28890,
        workingset_restore_file=580020, workingset_nodereclaim=1811, nr_dirtied=730221190, nr_written=728110007,
        nr_unevictable=0))
    nodes = [
        Node(0, "0-7,16-23", [10, 21], node0_zones, n0, {"numa_hit": 21100982311, "numa_miss": 120331021,
             "numa_foreign": 98221003, "interleave_hit": 41233, "local_node": 21098211202, "other_node": 122110332}),
        Node(1, "8-15,24-31", [21, 10], node1_zones, n1, {"numa_hit": 19882102213, "numa_miss": 98221003,
             "numa_foreign": 120331021, "interleave_hit": 41190, "local_node": 19880011920, "other_node": 100311296}),
    ]
    for node in nodes:
        populated = [z for z in node.zones if z.managed]
        weights = [z.managed for z in populated]
        for key in ["numa_hit", "numa_miss", "numa_foreign", "numa_local", "numa_other"]:
            total = node.numastat[{"numa_local": "local_node", "numa_other": "other_node"}.get(key, key)]
            for k, z in enumerate(populated):
                z.stats[key] = total * weights[k] // sum(weights)
        for z in populated:
            z.stats["numa_interleave"] = 0
        populated[-1].stats["numa_interleave"] = node.numastat["interleave_hit"]
    events = {"pgpgin": 1812330224, "pgpgout": 3322102188, "pswpin": 1822011, "pswpout": 4011237,
              "pgalloc_dma": 0, "pgalloc_dma32": 310221009, "pgalloc_normal": 41002311237, "pgalloc_movable": 0,
              "allocstall_dma": 0, "allocstall_dma32": 0, "allocstall_normal": 1211, "allocstall_movable": 48210,
              "pgfree": 41321009822, "pgactivate": 822100311, "pgdeactivate": 610220118, "pgfault": 38211200931,
              "pgmajfault": 2210331, "pgrefill": 1022011302, "pgreuse": 2100221911, "pgsteal_kswapd": 412003112,
              "pgsteal_direct": 3221910, "pgscan_kswapd": 498221007, "pgscan_direct": 4822103,
              "pgscan_direct_throttle": 0, "pgscan_anon": 30221032, "pgscan_file": 472822078, "pgsteal_anon": 4011237,
              "pgsteal_file": 411213785, "slabs_scanned": 22110332, "kswapd_inodesteal": 1022031,
              "kswapd_low_wmark_hit_quickly": 31022, "kswapd_high_wmark_hit_quickly": 4102, "pageoutrun": 221003,
              "pgrotated": 410221, "oom_kill": 0, "numa_pte_updates": 3022110322, "numa_huge_pte_updates": 4021103,
              "numa_hint_faults": 1822011033, "numa_hint_faults_local": 1699210231, "numa_pages_migrated": 41022113,
              "pgmigrate_success": 43022119, "pgmigrate_fail": 1022, "compact_migrate_scanned": 310221098,
              "compact_free_scanned": 1822011032, "compact_isolated": 82110233, "compact_stall": 18220,
              "compact_fail": 4011, "compact_success": 14209, "compact_daemon_wake": 22011,
              "thp_fault_alloc": 3022110, "thp_fault_fallback": 41022, "thp_fault_fallback_charge": 0,
              "thp_collapse_alloc": 120331, "thp_collapse_alloc_failed": 211, "thp_split_page": 22011,
              "thp_deferred_split_page": 41022, "thp_split_pmd": 52011, "thp_zero_page_alloc": 1, "swap_ra": 901223,
              "swap_ra_hit": 611022}
    swaps = [{"filename": "/dev/dm-1", "type": "partition", "size_kb": 8388604,
              "used_kb": (n0["nr_swapcached"] + n1["nr_swapcached"]) * 4 + 1022044, "priority": -2}]
    settings = {"vm.swappiness": 60, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 20,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.zone_reclaim_mode": 0, "vm.vfs_cache_pressure": 100,
                "vm.page-cluster": 3, "vm.compaction_proactiveness": 20, "vm.admin_reserve_kbytes": 8192,
                "vm.max_map_count": 65530, "kernel.numa_balancing": 1}
    mountinfo = (
        "24 29 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
        "25 29 0:23 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n"
        "29 1 253:0 / / rw,relatime shared:1 - ext4 /dev/mapper/vg0-root rw\n"
        "35 24 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n")
    slice_dir = "sys/fs/cgroup/system.slice/postgresql@14-main.service/"
    cgroup_files = {
        slice_dir + "memory.current": "30812114944\n",
        slice_dir + "memory.max": "max\n",
        slice_dir + "memory.swap.max": "max\n",
        slice_dir + "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
        slice_dir + "memory.pressure": "some avg10=0.00 avg60=0.02 avg300=0.01 total=2210331\n"
                                      "full avg10=0.00 avg60=0.00 avg300=0.00 total=1022103\n",
        slice_dir + "memory.stat": cgroup_v2_stat(anon=27011203072, file=3600112640, file_dirty=4009984,
                                                  pgfault=9022110332, pgmajfault=402211, pgscan=41022033,
                                                  pgsteal=40011022, thp=2 * 1024 * 1024 * 9000),
    }
    return {
        "name": "numa2-5.15", "version": (5, 15), "release": "5.15.0-91-generic",
        "cmdline": "BOOT_IMAGE=/vmlinuz-5.15.0-91-generic root=/dev/mapper/vg0-root ro transparent_hugepage=always",
        "ncpus": 32, "cpus_online": "0-31", "numa": True, "nodes": nodes,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "always", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": None, "settings": settings, "events": events, "swaps": swaps, "buffers_pages": 211034,
        "committed_as_kb": 71022104, "vmalloc_used_kb": 210332, "percpu_kb": 62464,
        "direct_map_kb": (1022116, 32342016, 101711872),
        "stat_threshold": {"DMA": 12, "DMA32": 60, "Normal": 125},
        "psi": "some avg10=0.31 avg60=0.18 avg300=0.09 total=48211337\n"
               "full avg10=0.00 avg60=0.02 avg300=0.01 total=10322571\n",
        "self_cgroup": "0::/system.slice/postgresql@14-main.service\n",
        "mountinfo": mountinfo, "cgroup_files": cgroup_files,
    }


def cgroup_v2_stat(anon, file, file_dirty, pgfault, pgmajfault, pgscan, pgsteal, thp, v61=False):
    lines = [("anon", anon), ("file", file), ("kernel", 0 if not v61 else 21102592), ("kernel_stack", 1310720),
             ("pagetables", anon // 512), ("percpu", 0), ("sock", 0)]
    if v61:
        lines += [("vmalloc", 0)]
    lines += [("shmem", 0), ("zswap", 0), ("zswapped", 0)] if v61 else [("shmem", 0)]
    lines += [("file_mapped", file // 20), ("file_dirty", file_dirty), ("file_writeback", 0)]
    lines += [("swapcached", 0), ("anon_thp", thp), ("file_thp", 0), ("shmem_thp", 0),
              ("inactive_anon", anon * 3 // 4), ("active_anon", anon - anon * 3 // 4),
              ("inactive_file", file // 2), ("active_file", file - file // 2), ("unevictable", 0),
              ("slab_reclaimable", 6291456), ("slab_unreclaimable", 2097152), ("slab", 8388608),
              ("workingset_refault_anon", 0), ("workingset_refault_file", pgsteal // 40),
              ("workingset_activate_anon", 0), ("workingset_activate_file", pgsteal // 80),
              ("workingset_restore_anon", 0), ("workingset_restore_file", pgsteal // 120),
              ("workingset_nodereclaim", 0), ("pgfault", pgfault), ("pgmajfault", pgmajfault),
              ("pgrefill", pgscan // 3), ("pgscan", pgscan), ("pgsteal", pgsteal), ("pgactivate", pgscan // 4),
              ("pgdeactivate", pgscan // 5), ("pglazyfree", 0), ("pglazyfreed", 0),
              ("thp_fault_alloc", thp // (2 * 1024 * 1024)), ("thp_collapse_alloc", 0)]
    if v61:
        lines += [("pgscan_kswapd", 0), ("pgscan_direct", pgscan), ("pgsteal_kswapd", 0),
                  ("pgsteal_direct", pgsteal)]
    return "".join(f"{k} {v}\n" for k, v in lines)


def old_4_19():
    # Debian 10 VM, 8 vCPUs, 16 GiB, no swap; no PSI (4.20+), no watermark boost (5.0+).
    zones = with_start_pfns([
        Zone("DMA", 4095, 3997, 3976, 3895),
        Zone("DMA32", 1044480, 782288, 765820, 51022),
        Zone("Normal", 3407872, 3407872, 3334716, 120118),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(1922011, 301220, 1401233, 622110, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_vmscan_write": 11022, "nr_vmscan_immediate_reclaim": 211,
        "nr_slab_reclaimable": 118220, "nr_slab_unreclaimable": 31022, "nr_anon_pages": 2210331,
        "nr_mapped": 88120, "nr_file_pages": 2032244, "nr_dirty": 21022, "nr_writeback": 512, "nr_shmem": 8901,
        "nr_anon_transparent_hugepages": 120, "nr_unstable": 0, "nr_kernel_misc_reclaimable": 0,
        "nr_kernel_stack_kb": 9216, "nr_page_table_pages": 11208, "workingset_nodes": 4011,
        "workingset_refault": 2210332, "workingset_activate": 410221, "workingset_nodereclaim": 1022,
        "nr_dirtied": 210332110, "nr_written": 210110231})
    nodes = [Node(0, "0-7", [10], zones, stats, {"numa_hit": 9822110322, "numa_miss": 0, "numa_foreign": 0,
                                                  "interleave_hit": 22113, "local_node": 9822110322,
                                                  "other_node": 0})]
    for z in zones:
        if z.managed:
            z.stats.update({"numa_hit": 0, "numa_miss": 0, "numa_foreign": 0, "numa_interleave": 0,
                            "numa_local": 0, "numa_other": 0})
    zones[2].stats.update({"numa_hit": 9822110322, "numa_local": 9822110322, "numa_interleave": 22113})
    events = {"pgpgin": 902211033, "pgpgout": 1822011022, "pgalloc_dma32": 110221033, "pgalloc_normal": 9722110211,
              "allocstall_dma32": 0, "allocstall_normal": 8110, "allocstall_movable": 22011, "pgfree": 9833220110,
              "pgactivate": 210332011, "pgdeactivate": 180221033, "pgfault": 9211022031, "pgmajfault": 1022031,
              "pgrefill": 301223110, "pgsteal_kswapd": 190221033, "pgsteal_direct": 2011022,
              "pgscan_kswapd": 230110221, "pgscan_direct": 3110221, "pgscan_direct_throttle": 0,
              "slabs_scanned": 8110221, "kswapd_inodesteal": 210221, "kswapd_low_wmark_hit_quickly": 11022,
              "kswapd_high_wmark_hit_quickly": 2011, "pageoutrun": 90221, "pgrotated": 120331,
              "compact_migrate_scanned": 40110221, "compact_free_scanned": 310221033, "compact_isolated": 12011022,
              "compact_stall": 4022, "compact_fail": 1102, "compact_success": 2920, "compact_daemon_wake": 3011,
              "thp_fault_alloc": 210331, "thp_fault_fallback": 12011, "thp_collapse_alloc": 4011,
              "thp_collapse_alloc_failed": 22, "thp_split_page": 1022, "thp_deferred_split_page": 3011,
              "thp_split_pmd": 4102, "thp_zero_page_alloc": 1}
    settings = {"vm.swappiness": 10, "vm.watermark_boost_factor": None, "vm.dirty_ratio": 40,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.zone_reclaim_mode": 0, "vm.vfs_cache_pressure": 100,
                "vm.page-cluster": 3, "vm.compaction_proactiveness": None, "vm.admin_reserve_kbytes": 8192,
                "vm.max_map_count": 65530, "kernel.numa_balancing": 0}
    mountinfo = (
        "18 24 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
        "19 24 0:4 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "24 1 8:1 / / rw,relatime shared:1 - ext4 /dev/sda1 rw,errors=remount-ro\n"
        "26 18 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,mode=755\n"
        "27 26 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw\n"
        "28 26 0:24 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd\n"
        "32 26 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,memory\n"
        "33 26 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,cpu,cpuacct\n")
    self_cgroup = ("11:cpu,cpuacct:/system.slice/mysql.service\n"
                   "10:memory:/system.slice/mysql.service\n"
                   "1:name=systemd:/system.slice/mysql.service\n"
                   "0::/system.slice/mysql.service\n")
    d = "sys/fs/cgroup/memory/system.slice/mysql.service/"
    usage = 9822011392
    cgroup_files = {
        d + "memory.usage_in_bytes": f"{usage}\n",
        d + "memory.limit_in_bytes": "9223372036854771712\n",
        d + "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
        d + "memory.failcnt": "0\n",
        d + "memory.stat": v1_stat(cache=1811022848, rss=7811022848, dirty=82018304, pgfault=2210332011,
                                   pgmajfault=220113),
    }
    return {
        "name": "old-4.19", "version": (4, 19), "release": "4.19.0-27-amd64",
        "cmdline": "BOOT_IMAGE=/boot/vmlinuz-4.19.0-27-amd64 root=/dev/sda1 ro quiet",
        "ncpus": 8, "cpus_online": "0-7", "numa": True, "nodes": nodes,
        "min_free_kbytes": 131072, "watermark_scale_factor": 10, "thp_enabled": "madvise", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "pages_to_scan": 4096,
                       "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": None, "settings": settings, "events": events, "swaps": [], "buffers_pages": 98211,
        "committed_as_kb": 12022104, "vmalloc_used_kb": 40112, "percpu_kb": 9472,
        "direct_map_kb": (210332, 7129088, 10485760),
        "stat_threshold": {"DMA": 8, "DMA32": 40, "Normal": 64},
        "psi": None, "self_cgroup": self_cgroup, "mountinfo": mountinfo, "cgroup_files": cgroup_files,
    }


def v1_stat(cache, rss, dirty, pgfault, pgmajfault):
    local = [("cache", cache), ("rss", rss), ("rss_huge", 0), ("shmem", 0), ("mapped_file", cache // 30),
             ("dirty", dirty), ("writeback", 0), ("pgpgin", pgfault // 3), ("pgpgout", pgfault // 3 - 2000000),
             ("pgfault", pgfault), ("pgmajfault", pgmajfault), ("inactive_anon", rss * 4 // 5),
             ("active_anon", rss - rss * 4 // 5), ("inactive_file", cache // 2), ("active_file", cache - cache // 2),
             ("unevictable", 0)]
    lines = local + [("hierarchical_memory_limit", 9223372036854771712)]
    lines += [("total_" + k, v) for k, v in local]
    return "".join(f"{k} {v}\n" for k, v in lines)


def container_v2_6_1():
    # A Docker container (--memory 2g --memory-swap 2g) on a Debian 12 host: 16 vCPUs, 32 GiB, no swap.
    zones = with_start_pfns([
        Zone("DMA", 4095, 3999, 3840, 3840),
        Zone("DMA32", 1044480, 782272, 765792, 402211),
        Zone("Normal", 7602176, 7602176, 7430201, 1322011),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(2810223, 1102332, 1622011, 1202110, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 0,
        "nr_vmscan_immediate_reclaim": 0, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
        "nr_slab_reclaimable": 201332, "nr_slab_unreclaimable": 61022, "nr_anon_pages": 3902211,
        "nr_mapped": 110221, "nr_file_pages": 2911022, "nr_dirty": 3011, "nr_writeback": 0, "nr_shmem": 22011,
        "nr_anon_transparent_hugepages": 2011, "nr_kernel_misc_reclaimable": 0, "nr_kernel_stack_kb": 14208,
        "nr_page_table_pages": 18221, "nr_sec_page_table_pages": 0, "nr_swapcached": 0, "workingset_nodes": 6011,
        "workingset_refault_anon": 0, "workingset_refault_file": 1822011, "workingset_activate_anon": 0,
        "workingset_activate_file": 410221, "workingset_restore_anon": 0, "workingset_restore_file": 220113,
        "workingset_nodereclaim": 102, "nr_dirtied": 311022110, "nr_written": 310992011})
    nodes = [Node(0, "0-15", [10], zones, stats, {"numa_hit": 12022110332, "numa_miss": 0, "numa_foreign": 0,
                                                   "interleave_hit": 4011, "local_node": 12022110332,
                                                   "other_node": 0})]
    for z in zones:
        if z.managed:
            z.stats.update({"numa_hit": 0, "numa_miss": 0, "numa_foreign": 0, "numa_interleave": 0,
                            "numa_local": 0, "numa_other": 0})
    zones[2].stats.update({"numa_hit": 12022110332, "numa_local": 12022110332, "numa_interleave": 4011})
    events = {"pgpgin": 402211033, "pgpgout": 1102331022, "pgalloc_dma32": 82011022, "pgalloc_normal": 12102211033,
              "allocstall_normal": 0, "allocstall_movable": 3011, "pgfree": 12198221033, "pgactivate": 110221033,
              "pgdeactivate": 90221033, "pgfault": 11022110332, "pgmajfault": 402211, "pgrefill": 122011033,
              "pgreuse": 1022110332, "pgsteal_kswapd": 82011022, "pgsteal_direct": 410221, "pgscan_kswapd": 98221033,
              "pgscan_direct": 602211, "pgscan_anon": 0, "pgscan_file": 98823244, "pgsteal_anon": 0,
              "pgsteal_file": 82421243, "slabs_scanned": 4022110, "kswapd_inodesteal": 22011,
              "kswapd_low_wmark_hit_quickly": 2011, "kswapd_high_wmark_hit_quickly": 302, "pageoutrun": 40221,
              "pgrotated": 20113, "oom_kill": 3, "compact_migrate_scanned": 20110221, "compact_free_scanned": 110221033,
              "compact_isolated": 4022110, "compact_stall": 1102, "compact_fail": 302, "compact_success": 800,
              "compact_daemon_wake": 1022, "thp_fault_alloc": 82011, "thp_fault_fallback": 2011,
              "thp_collapse_alloc": 1022, "thp_split_page": 302, "thp_deferred_split_page": 1102, "thp_split_pmd": 2011,
              "thp_zero_page_alloc": 1, "direct_map_level2_splits": 402, "direct_map_level3_splits": 11}
    settings = {"vm.swappiness": 60, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 0,
                "vm.dirty_background_ratio": 0, "vm.dirty_bytes": 536870912, "vm.dirty_background_bytes": 67108864,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 1,
                "vm.overcommit_ratio": 50, "vm.zone_reclaim_mode": 0, "vm.vfs_cache_pressure": 100,
                "vm.page-cluster": 3, "vm.compaction_proactiveness": 20, "vm.admin_reserve_kbytes": 8192,
                "vm.max_map_count": 262144, "kernel.numa_balancing": 0}
    mountinfo = (
        "1180 1001 0:61 / / rw,relatime master:1 - overlay overlay rw,lowerdir=/var/lib/docker/overlay2/l/Q2VBX3:"
        "/var/lib/docker/overlay2/l/7KD2HF,upperdir=/var/lib/docker/overlay2/5c1e/diff,workdir=/var/lib/docker/overlay2/5c1e/work\n"
        "1181 1180 0:64 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
        "1182 1180 0:65 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755\n"
        "1188 1180 0:60 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro\n"
        "1189 1188 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw,nsdelegate,memory_recursiveprot\n")
    d = "sys/fs/cgroup/"
    anon, file = 1710221312, 318767104
    cgroup_files = {
        d + "memory.current": f"{anon + file + 21102592 + 8388608}\n",
        d + "memory.max": "2147483648\n",
        d + "memory.high": "max\n",
        d + "memory.swap.max": "0\n",
        d + "memory.events": "low 0\nhigh 0\nmax 1822\noom 3\noom_kill 2\noom_group_kill 0\n",
        d + "memory.pressure": "some avg10=2.81 avg60=1.93 avg300=0.88 total=91022113\n"
                               "full avg10=1.12 avg60=0.70 avg300=0.31 total=40221332\n",
        d + "memory.stat": cgroup_v2_stat(anon=anon, file=file, file_dirty=1228800, pgfault=82011022,
                                          pgmajfault=11022, pgscan=2210332, pgsteal=1822011, thp=4 * 1024 * 1024,
                                          v61=True),
    }
    return {
        "name": "container-v2-6.1", "version": (6, 1), "release": "6.1.0-28-amd64",
        "cmdline": "BOOT_IMAGE=/boot/vmlinuz-6.1.0-28-amd64 root=UUID=3f1c2a9e-5d1b-4c61-9a43-0e6b2f8c7d10 ro quiet",
        "ncpus": 16, "cpus_online": "0-15", "numa": True, "nodes": nodes,
        "min_free_kbytes": None, "watermark_scale_factor": 50, "thp_enabled": "madvise", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": "0x0000", "settings": settings, "events": events, "swaps": [], "buffers_pages": 52011,
        "committed_as_kb": 21022104, "vmalloc_used_kb": 80221, "percpu_kb": 30720,
        "direct_map_kb": (402211, 11022336, 23068672),
        "stat_threshold": {"DMA": 10, "DMA32": 60, "Normal": 96},
        "psi": "some avg10=0.42 avg60=0.30 avg300=0.12 total=122011033\n"
               "full avg10=0.18 avg60=0.11 avg300=0.04 total=60221102\n",
        "self_cgroup": "0::/\n", "mountinfo": mountinfo, "cgroup_files": cgroup_files,
    }


def fragmented_6_1():
    # A PostgreSQL server on Debian 12 (6.1 cloud kernel), 8 vCPUs, 32 GiB, no swap, up for months:
    # 6 GiB free but in small pieces (no free 2 MiB block in DMA32 or Normal), many unmovable and
    # reclaimable pageblocks in Normal, and the compaction counters of a host that stalls a lot.
    zones = with_start_pfns([
        Zone("DMA", 4095, 3999, 3840, 3840, pageblocks={"Unmovable": 1, "Movable": 7}),
        Zone("DMA32", 1044480, 782272, 765792, 120000,
             fragments=[4, 6, 15, 25, 20, 14, 9, 5, 2, 0, 0],
             pageblocks={"Unmovable": 40, "Movable": 1470, "Reclaimable": 18}),
        Zone("Normal", 7602176, 7602176, 7430201, 1600000,
             fragments=[3, 5, 14, 26, 20, 14, 9, 6, 3, 0, 0],
             pageblocks={"Unmovable": 1900, "Movable": 11600, "Reclaimable": 1348}),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(120331, 3302211, 900221, 1900332, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 0,
        "nr_vmscan_immediate_reclaim": 0, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
        "nr_slab_reclaimable": 402211, "nr_slab_unreclaimable": 90332, "nr_anon_pages": 410221,
        "nr_mapped": 2900110, "nr_file_pages": 5901220, "nr_dirty": 12011, "nr_writeback": 0,
        "nr_shmem": 3100221, "nr_anon_transparent_hugepages": 102, "nr_kernel_misc_reclaimable": 0,
        "nr_kernel_stack_kb": 12208, "nr_page_table_pages": 60221, "nr_sec_page_table_pages": 0,
        "nr_swapcached": 0, "workingset_nodes": 40110, "workingset_refault_anon": 0,
        "workingset_refault_file": 9022110, "workingset_activate_anon": 0, "workingset_activate_file": 2201221,
        "workingset_restore_anon": 0, "workingset_restore_file": 1102331, "workingset_nodereclaim": 4022,
        "nr_dirtied": 902211033, "nr_written": 902199022})
    nodes = [Node(0, "0-7", [10], zones, stats, {"numa_hit": 82011022033, "numa_miss": 0, "numa_foreign": 0,
                                                  "interleave_hit": 4011, "local_node": 82011022033,
                                                  "other_node": 0})]
    for z in zones:
        if z.managed:
            z.stats.update({"numa_hit": 0, "numa_miss": 0, "numa_foreign": 0, "numa_interleave": 0,
                            "numa_local": 0, "numa_other": 0})
    zones[2].stats.update({"numa_hit": 82011022033, "numa_local": 82011022033, "numa_interleave": 4011})
    events = {"pgpgin": 4022110332, "pgpgout": 8022110332, "pgalloc_dma32": 902211033,
              "pgalloc_normal": 82102211033, "allocstall_normal": 22011, "allocstall_movable": 190221,
              "pgfree": 82998221033, "pgactivate": 2210332011, "pgdeactivate": 1902211033, "pgfault": 71022110332,
              "pgmajfault": 1022011, "pgrefill": 2022110332, "pgreuse": 8022110332, "pgsteal_kswapd": 3022110332,
              "pgsteal_direct": 41022110, "pgscan_kswapd": 3402211033, "pgscan_direct": 52011022,
              "pgscan_anon": 0, "pgscan_file": 3454222055, "pgsteal_anon": 0, "pgsteal_file": 3063132442,
              "slabs_scanned": 90221033, "kswapd_inodesteal": 302211, "kswapd_low_wmark_hit_quickly": 90221,
              "kswapd_high_wmark_hit_quickly": 12011, "pageoutrun": 402211, "pgrotated": 120331, "oom_kill": 0,
              "pgmigrate_success": 90221033, "pgmigrate_fail": 2201133, "compact_migrate_scanned": 1902211033,
              "compact_free_scanned": 8022110332, "compact_isolated": 190221033, "compact_stall": 210331,
              "compact_fail": 160221, "compact_success": 50110, "compact_daemon_wake": 90221,
              "compact_daemon_migrate_scanned": 402211033, "compact_daemon_free_scanned": 1902211033,
              "thp_fault_alloc": 902211, "thp_fault_fallback": 402113, "thp_collapse_alloc": 20113,
              "thp_collapse_alloc_failed": 4011, "thp_split_page": 3011, "thp_deferred_split_page": 12011,
              "thp_split_pmd": 22011, "thp_zero_page_alloc": 1}
    settings = {"vm.swappiness": 1, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 0,
                "vm.dirty_background_ratio": 0, "vm.dirty_bytes": 536870912, "vm.dirty_background_bytes": 67108864,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 2,
                "vm.overcommit_ratio": 80, "vm.zone_reclaim_mode": 0, "vm.vfs_cache_pressure": 100,
                "vm.page-cluster": 3, "vm.compaction_proactiveness": 20, "vm.admin_reserve_kbytes": 8192,
                "vm.max_map_count": 65530, "kernel.numa_balancing": 0, "vm.extfrag_threshold": 500,
                "vm.nr_hugepages": 0}
    mountinfo = (
        "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
        "23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "28 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw,discard,errors=remount-ro\n"
        "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot\n")
    d = "sys/fs/cgroup/system.slice/postgresql@15-main.service/"
    anon, file = 1680221184, 23020015616
    cgroup_files = {
        d + "memory.current": f"{anon + file}\n",
        d + "memory.max": "max\n",
        d + "memory.swap.max": "max\n",
        d + "memory.events": "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n",
        d + "memory.pressure": "some avg10=1.20 avg60=0.91 avg300=0.70 total=902211033\n"
                               "full avg10=0.44 avg60=0.30 avg300=0.22 total=402211033\n",
        d + "memory.stat": cgroup_v2_stat(anon=anon, file=file, file_dirty=49197056, pgfault=22011033221,
                                          pgmajfault=402211, pgscan=902211033, pgsteal=802211033,
                                          thp=2 * 1024 * 1024 * 102, v61=True),
    }
    return {
        "name": "fragmented-6.1", "version": (6, 1), "release": "6.1.0-26-cloud-amd64",
        "cmdline": "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-cloud-amd64 root=PARTUUID=6e3d6b51-01 ro console=ttyS0",
        "ncpus": 8, "cpus_online": "0-7", "numa": True, "nodes": nodes,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "madvise", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": "0x0000", "settings": settings, "events": events, "swaps": [], "buffers_pages": 120331,
        "committed_as_kb": 20110332, "vmalloc_used_kb": 60221, "percpu_kb": 12288,
        "direct_map_kb": (302211, 9022336, 24117248),
        "stat_threshold": {"DMA": 8, "DMA32": 48, "Normal": 72},
        "psi": "some avg10=0.90 avg60=0.71 avg300=0.52 total=1902211033\n"
               "full avg10=0.31 avg60=0.22 avg300=0.15 total=802211033\n",
        "self_cgroup": "0::/system.slice/postgresql@15-main.service\n", "mountinfo": mountinfo,
        "cgroup_files": cgroup_files, "pagetypeinfo": True, "hugetlb": {2048: 0, 1048576: 0},
    }


def v2_memory_files(d, current, maximum, high="max", swap_max="max", events=(0, 0, 0, 0, 0),
                    pressure=(0.0, 0, 0.0, 0), anon=0, file=0):
    low, high_ev, max_ev, oom, oom_kill = events
    some_avg, some_total, full_avg, full_total = pressure
    return {
        d + "memory.current": f"{current}\n",
        d + "memory.max": f"{maximum}\n",
        d + "memory.high": f"{high}\n",
        d + "memory.swap.max": f"{swap_max}\n",
        d + "memory.peak": f"{current}\n",
        d + "memory.events": f"low {low}\nhigh {high_ev}\nmax {max_ev}\noom {oom}\noom_kill {oom_kill}\n"
                             "oom_group_kill 0\n",
        d + "memory.pressure": f"some avg10={some_avg:.2f} avg60={some_avg:.2f} avg300={some_avg:.2f} "
                               f"total={some_total}\nfull avg10={full_avg:.2f} avg60={full_avg:.2f} "
                               f"avg300={full_avg:.2f} total={full_total}\n",
        d + "memory.stat": cgroup_v2_stat(anon=anon, file=file, file_dirty=0, pgfault=anon // 4096 * 3,
                                          pgmajfault=1022, pgscan=file // 4096, pgsteal=file // 8192,
                                          thp=0, v61=True),
        d + "cgroup.type": "domain\n",
        d + "cgroup.procs": "",
    }


def systemd_v2_6_12():
    # The container's machine (16 vCPUs, 32 GiB, one node) booted as a systemd server on Debian
    # 13's 6.12 with the unified hierarchy only: slices, user@0.service's delegated subtree, and a
    # service at its memory.max whose OOM killer has fired.
    host = container_v2_6_1()
    host.update({"name": "systemd-v2-6.12", "version": (6, 12), "release": "6.12.57+deb13-amd64",
                 "cmdline": "BOOT_IMAGE=/boot/vmlinuz-6.12.57+deb13-amd64 root=UUID=3f1c2a9e-5d1b-4c61-9a43-"
                            "0e6b2f8c7d10 ro quiet",
                 "lru_gen": "0x0007"})
    host["settings"].update({"vm.dirty_ratio": 20, "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0,
                             "vm.dirty_background_bytes": 0, "vm.overcommit_memory": 0})
    host["mountinfo"] = (
        "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
        "23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:12 - proc proc rw\n"
        "28 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw,errors=remount-ro\n"
        "26 22 0:24 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 "
        "rw,nsdelegate,memory_recursiveprot\n")
    host["self_cgroup"] = "0::/user.slice/user-0.slice/session-4.scope\n"
    g = "sys/fs/cgroup/"
    files = {
        g + "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma misc\n",
        g + "cgroup.subtree_control": "cpuset cpu io memory pids\n",
        g + "cgroup.procs": "",
        "run/systemd/system/session-4.scope": "[Scope]\nSlice=user-0.slice\n",
    }
    gib = 1 << 30
    for d, controllers in ((g + "system.slice/", "cpu io memory pids"), (g + "user.slice/", "cpu io memory pids"),
                           (g + "user.slice/user-0.slice/", "cpu io memory pids"),
                           (g + "user.slice/user-0.slice/user@0.service/", "cpu io memory pids")):
        files[d + "cgroup.controllers"] = controllers + "\n"
        files[d + "cgroup.subtree_control"] = controllers + "\n"
        files[d + "cgroup.procs"] = ""
    files.update(v2_memory_files(g + "system.slice/", 9 * gib, "max", anon=7 * gib, file=2 * gib))
    files.update(v2_memory_files(g + "user.slice/", gib // 2, "max", anon=gib // 4, file=gib // 4))
    # The service at its limit: memory.current within a page cluster of memory.max, OOM kills.
    files.update(v2_memory_files(g + "system.slice/reportd.service/", 4 * gib - 61440, 4 * gib,
                                 events=(0, 0, 20411, 7, 7), pressure=(38.5, 912203344, 31.2, 820110233),
                                 anon=4 * gib - 80 * 1048576, file=60 * 1048576))
    # Near its memory.high: throttled, not killed.
    files.update(v2_memory_files(g + "system.slice/postgresql.service/", 3 * gib - 40 * 1048576, "max",
                                 high=3 * gib, events=(0, 88211, 0, 0, 0), pressure=(4.1, 22110332, 2.0, 9011022),
                                 anon=2 * gib, file=gib - 40 * 1048576))
    files.update(v2_memory_files(g + "system.slice/nginx.service/", 200 * 1048576, "max", anon=150 * 1048576,
                                 file=50 * 1048576))
    # A delegated subtree: user@0.service (Delegate=yes) with its own slices.
    files.update(v2_memory_files(g + "user.slice/user-0.slice/user@0.service/app.slice/", 64 * 1048576, "max",
                                 anon=32 * 1048576, file=32 * 1048576))
    files.update(v2_memory_files(g + "user.slice/user-0.slice/session-4.scope/", 48 * 1048576, "max",
                                 anon=40 * 1048576, file=8 * 1048576))
    host["cgroup_files"] = files
    return host


if __name__ == "__main__":
    for make in (numa2_5_15, old_4_19, container_v2_6_1, fragmented_6_1, systemd_v2_6_12):
        write_host(make())
