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

Since the advice rules (docs/advice.md) it also writes five hosts shaped for them —
centos7-3.10, k8s-node-6.8, db-numa-6.1, rhel9-drift-5.14, small-vm-6.12 — with what those rules
read besides /proc and /sys: /proc/uptime, the memory cgroup hierarchy (cgroup.procs in every
directory, memory.events, memory.pressure, memory.peak), and the persisted settings under /etc and
/usr/lib (sysctl.d, tuned profiles, tuned.service, kubelet's config). A 3.10 kernel is written in its
own formats (zone counters and per-zone pgscan/pgsteal before 4.8, one allocstall, no
watermark_scale_factor: low = min + min/4). Its nr_dirty_threshold follows the later formula (without
3.10's dirty_balance_reserve), as mmtune's model does.

Run it from anywhere; it rewrites every directory it makes (ABOUT.md files are kept).
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
        if wsf is None:  # before 4.6: low = min + tmp/4, high = min + tmp/2 (not 2 · (tmp/4))
            z.low = z.min + (tmp >> 2)
            z.high = z.min + (tmp >> 1)
            z.promo = z.high
        else:
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
        kb_line("CommitLimit", (managed - host.get("hugetlb_pages", 0) * 512) * overcommit_ratio // 100 * PAGE_KB
                + swap_total),
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
    huge = host.get("hugetlb_pages", 0)  # 2 MiB pages reserved for hugetlbfs (used, not free)
    lines += [
        f"{'HugePages_Total:':<16}{huge:>8}\n",
        f"{'HugePages_Free:':<16}{host.get('hugetlb_free', huge):>8}\n",
        f"{'HugePages_Rsvd:':<16}{0:>8}\n",
        f"{'HugePages_Surp:':<16}{0:>8}\n",
        kb_line("Hugepagesize", 2048),
    ]
    if v >= (4, 16):
        lines.append(kb_line("Hugetlb", huge * 2048))
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


# ---------------------------------------------------------------------------------- before 4.8
# 3.10 to 4.7 keep every LRU and page counter per zone (no "per-node stats"), split pgscan/pgsteal
# per zone and count a single allocstall.

ZONE_STATS_OLD = ["nr_free_pages", "nr_alloc_batch", "nr_inactive_anon", "nr_active_anon", "nr_inactive_file",
                  "nr_active_file", "nr_unevictable", "nr_mlock", "nr_anon_pages", "nr_mapped", "nr_file_pages",
                  "nr_dirty", "nr_writeback", "nr_slab_reclaimable", "nr_slab_unreclaimable", "nr_page_table_pages",
                  "nr_kernel_stack", "nr_unstable", "nr_bounce", "nr_vmscan_write", "nr_vmscan_immediate_reclaim",
                  "nr_writeback_temp", "nr_isolated_anon", "nr_isolated_file", "nr_shmem", "nr_dirtied", "nr_written",
                  "numa_hit", "numa_miss", "numa_foreign", "numa_interleave", "numa_local", "numa_other",
                  "workingset_refault", "workingset_activate", "workingset_nodereclaim",
                  "nr_anon_transparent_hugepages", "nr_free_cma"]
OLD_ZONE_KEY = {"nr_mlock": "nr_mlock_pages", "nr_kernel_stack": "nr_kernel_stack_kb"}
NODE_SPLIT_OLD = ["nr_anon_pages", "nr_mapped", "nr_file_pages", "nr_dirty", "nr_writeback", "nr_slab_reclaimable",
                  "nr_slab_unreclaimable", "nr_shmem", "nr_dirtied", "nr_written", "workingset_refault",
                  "workingset_activate", "workingset_nodereclaim", "nr_anon_transparent_hugepages"]


def old_zone_value(zone, node, name):
    if name == "nr_free_pages":
        return zone.free
    key = OLD_ZONE_KEY.get(name, name)
    if key in zone.stats:
        return zone.stats[key] // 16 if name == "nr_kernel_stack" else zone.stats[key]
    return 0


def split_old_node_stats(node):
    """Before 4.8 the node's page counters live in its zones: spread them like the LRU lists."""
    populated = [z for z in node.zones if z.managed > 0]
    used = [z.managed - z.free for z in populated]
    for key in NODE_SPLIT_OLD:
        value, given = node.stats.get(key, 0), 0
        for k, z in enumerate(populated):
            share = value - given if k == len(populated) - 1 else value * used[k] // sum(used)
            z.stats[key] = share
            given += share


def zoneinfo_text_old(host):
    out = []
    for node in host["nodes"]:
        for i, z in enumerate(node.zones):
            if z.managed == 0 and z.present == 0:
                continue
            out.append(f"Node {node.id}, zone {z.name:>8}\n  pages free     {z.free}\n        min      {z.min}"
                       f"\n        low      {z.low}\n        high     {z.high}\n        scanned  0"
                       f"\n        spanned  {z.spanned}\n        present  {z.present}\n        managed  {z.managed}")
            for name in ZONE_STATS_OLD:
                out.append(f"\n    {name:<12} {old_zone_value(z, node, name)}")
            out.append("\n        protection: (" + ", ".join(str(p) for p in z.protection[:4]) + ")")
            out.append("\n  pagesets")
            for cpu in range(host["ncpus"]):
                count = (cpu * 37 + i * 11) % 60 if z.name != "DMA" else 0
                high, batch = (0, 1) if z.name == "DMA" else (186, 31)
                out.append(f"\n    cpu: {cpu}\n              count: {count}\n              high:  {high}"
                           f"\n              batch: {batch}\n  vm stats threshold: {host['stat_threshold'][z.name]}")
            out.append(f"\n  all_unreclaimable: 0\n  start_pfn:         {z.start_pfn}\n  inactive_ratio:    1\n")
    return "".join(out)


def vmstat_text_old(host):
    ev = host["events"]
    out = []
    for name in ZONE_STATS_OLD:
        out.append((name, sum(old_zone_value(z, n, name) for n in host["nodes"] for z in n.zones)))
    thresh, bg = dirty_thresholds(host)
    out += [("nr_dirty_threshold", thresh), ("nr_dirty_background_threshold", bg)]
    zones = ["dma", "dma32", "normal", "movable"]
    names = ["pgpgin", "pgpgout", "pswpin", "pswpout"] + [f"pgalloc_{z}" for z in zones]
    names += ["pgfree", "pgactivate", "pgdeactivate", "pgfault", "pgmajfault"]
    for stem in ["pgrefill", "pgsteal_kswapd", "pgsteal_direct", "pgscan_kswapd", "pgscan_direct"]:
        names += [f"{stem}_{z}" for z in zones]
    names += ["pgscan_direct_throttle", "zone_reclaim_failed", "pginodesteal", "slabs_scanned", "kswapd_inodesteal",
              "kswapd_low_wmark_hit_quickly", "kswapd_high_wmark_hit_quickly", "pageoutrun", "allocstall",
              "pgrotated", "drop_pagecache", "drop_slab", "numa_pte_updates", "numa_huge_pte_updates",
              "numa_hint_faults", "numa_hint_faults_local", "numa_pages_migrated", "pgmigrate_success",
              "pgmigrate_fail", "compact_migrate_scanned", "compact_free_scanned", "compact_isolated",
              "compact_stall", "compact_fail", "compact_success", "htlb_buddy_alloc_success",
              "htlb_buddy_alloc_fail", "unevictable_pgs_culled", "unevictable_pgs_scanned",
              "unevictable_pgs_rescued", "unevictable_pgs_mlocked", "unevictable_pgs_munlocked",
              "unevictable_pgs_cleared", "unevictable_pgs_stranded", "thp_fault_alloc", "thp_fault_fallback",
              "thp_collapse_alloc", "thp_collapse_alloc_failed", "thp_split", "thp_zero_page_alloc",
              "thp_zero_page_alloc_failed", "balloon_inflate", "balloon_deflate", "balloon_migrate"]
    for name in names:
        out.append((name, ev.get(name, 0)))
    return "".join(f"{k} {v}\n" for k, v in out)


def zoneinfo_text(host):
    if host["version"] < (4, 8):
        return zoneinfo_text_old(host)
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
    if host["version"] < (4, 8):
        return vmstat_text_old(host)
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
        if host["version"] < (4, 8):
            split_old_node_stats(node)
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
    if host.get("uptime_s"):
        write(root, "proc/uptime", f"{host['uptime_s']:.2f} {host['uptime_s'] * host['ncpus'] * 0.8:.2f}\n")
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
    write(root, thp + "defrag", choice(host.get("thp_defrag_choices",
                                                ["always", "defer", "defer+madvise", "madvise", "never"]),
                                       host["thp_defrag"]))
    if host["version"] >= (4, 8):
        write(root, thp + "shmem_enabled", choice(["always", "within_size", "advise", "never", "deny", "force"],
                                                  "never"))
    write(root, thp + "use_zero_page", "1\n")
    for size, value in host.get("mthp", {}).items():
        write(root, thp + f"hugepages-{size}kB/enabled", choice(["always", "inherit", "madvise", "never"], value))
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
    for rel, text in host.get("extra_files", {}).items():  # /etc, /usr/lib, /var/lib: persisted settings
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
        "name": "numa2-5.15", "version": (5, 15), "release": "5.15.0-91-generic", "uptime_s": 41 * 86400 + 733.41,
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
        "name": "old-4.19", "version": (4, 19), "release": "4.19.0-27-amd64", "uptime_s": 27 * 86400 + 51.09,
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
        "uptime_s": 16 * 86400 + 3590.62,
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


# ---------------------------------------------------------------------------------- hosts for the advice rules
# Five shapes the advisor must get right (docs/advice.md): an old enterprise kernel with heavy
# compaction, a Kubernetes node with OOM-killed pods, a large NUMA database host, a host whose
# sysctl.d and tuned profile disagree with what runs, and a small VM where the defaults are right.

GiB_PAGES = 262144


def cgroup_tree_dirs(paths):
    """cgroup.procs in every directory from the root down to each path: the walk descends by them."""
    files = {"sys/fs/cgroup/cgroup.procs": ""}
    for path in paths:
        parts = path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            files["sys/fs/cgroup/" + "/".join(parts[:depth]) + "/cgroup.procs"] = ""
    return files


def v2_cgroup(path, anon, file, max_bytes=None, events=(0, 0, 0, 0), pressure=None, peak=None,
              swap_max="max", high=None):
    """The memory files of one cgroup v2 directory. events: (high, max, oom, oom_kill)."""
    d = f"sys/fs/cgroup{path}/"
    current = anon + file + 8388608
    files = {
        d + "cgroup.procs": "",
        d + "memory.current": f"{current}\n",
        d + "memory.max": f"{max_bytes}\n" if max_bytes else "max\n",
        d + "memory.high": f"{high}\n" if high else "max\n",
        d + "memory.swap.max": f"{swap_max}\n",
        d + "memory.events": f"low 0\nhigh {events[0]}\nmax {events[1]}\noom {events[2]}\noom_kill {events[3]}\n"
                             "oom_group_kill 0\n",
        d + "memory.pressure": pressure or "some avg10=0.00 avg60=0.00 avg300=0.00 total=0\n"
                                           "full avg10=0.00 avg60=0.00 avg300=0.00 total=0\n",
        d + "memory.stat": cgroup_v2_stat(anon=anon, file=file, file_dirty=file // 500, pgfault=anon // 2,
                                          pgmajfault=anon // 40000, pgscan=file // 3, pgsteal=file // 4,
                                          thp=0, v61=True),
    }
    if peak is not None:
        files[d + "memory.peak"] = f"{max(peak, current)}\n"
    return files


def psi_text(some, full):
    """some/full: (avg10, avg60, avg300, total_us)."""
    return (f"some avg10={some[0]:.2f} avg60={some[1]:.2f} avg300={some[2]:.2f} total={some[3]}\n"
            f"full avg10={full[0]:.2f} avg60={full[1]:.2f} avg300={full[2]:.2f} total={full[3]}\n")


def numa_single(node_id, cpulist, zones, stats, hits):
    node = Node(node_id, cpulist, [10], zones, stats, {"numa_hit": hits, "numa_miss": 0, "numa_foreign": 0,
                                                       "interleave_hit": 4011, "local_node": hits, "other_node": 0})
    for z in zones:
        if z.managed:
            z.stats.update({"numa_hit": 0, "numa_miss": 0, "numa_foreign": 0, "numa_interleave": 0,
                            "numa_local": 0, "numa_other": 0})
    normal = [z for z in zones if z.name == "Normal"][0]
    normal.stats.update({"numa_hit": hits, "numa_local": hits, "numa_interleave": 4011})
    return node


V2_MOUNTINFO = (
    "22 28 0:21 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw\n"
    "23 28 0:22 / /proc rw,nosuid,nodev,noexec,relatime shared:13 - proc proc rw\n"
    "28 1 259:1 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p1 rw\n"
    "30 22 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n")

TUNED_UNIT = ("[Unit]\nDescription=Dynamic System Tuning Daemon\nAfter=systemd-sysctl.service network.target dbus.service\n"
              "\n[Service]\nType=dbus\nBusName=com.redhat.tuned\nExecStart=/usr/sbin/tuned -l -P\n"
              "\n[Install]\nWantedBy=multi-user.target\n")


def rhel7_tuned_profiles():
    """RHEL 7.9's virtual-guest (the default in a VM) and the throughput-performance it includes."""
    throughput = ("#\n# tuned configuration\n#\n\n[main]\nsummary=Broadly applicable tuning that provides excellent "
                  "performance across a variety of common server workloads\n\n[cpu]\ngovernor=performance\n"
                  "energy_perf_bias=performance\nmin_perf_pct=100\n\n[disk]\nreadahead=>4096\n\n[sysctl]\n"
                  "kernel.sched_min_granularity_ns = 10000000\nkernel.sched_wakeup_granularity_ns = 15000000\n"
                  "# throttle writers before the page cache holds too much dirty data\nvm.dirty_ratio = 40\n"
                  "vm.dirty_background_ratio = 10\n# keep swapping low\nvm.swappiness=10\n\n[vm]\n"
                  "transparent_hugepages=always\n")
    guest = ("#\n# tuned configuration\n#\n\n[main]\nsummary=Optimize for running inside a virtual guest\n"
             "include=throughput-performance\n\n[sysctl]\n# less dirty data than throughput-performance\n"
             "vm.dirty_ratio = 30\n# filesystem I/O is usually cheaper than swapping\nvm.swappiness = 30\n")
    return {"usr/lib/tuned/throughput-performance/tuned.conf": throughput,
            "usr/lib/tuned/virtual-guest/tuned.conf": guest}


def centos7_3_10():
    # CentOS 7.9 VM, 16 vCPUs, 64 GiB, 4 GiB swap, a Java application server that has run for two
    # months: THP always/always (RHEL 7's default, and tuned's throughput-performance), heavy
    # direct compaction that mostly fails, direct reclaim; no watermark_scale_factor, PSI or boost.
    zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3977, 3977),
        Zone("DMA32", 1044480, 782304, 760231, 120331, buddy_top=3),
        Zone("Normal", 15728640, 15728640, 15502118, 310221, buddy_top=3),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(3101022, 6822110, 2612033, 2480221, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_vmscan_write": 201022,
        "nr_vmscan_immediate_reclaim": 4011, "nr_slab_reclaimable": 301022, "nr_slab_unreclaimable": 88012,
        "nr_anon_pages": 9890221, "nr_mapped": 210332, "nr_file_pages": 5141022, "nr_dirty": 12011,
        "nr_writeback": 201, "nr_shmem": 22011, "nr_anon_transparent_hugepages": 14022, "nr_unstable": 0,
        "nr_kernel_stack_kb": 20480, "nr_page_table_pages": 52011, "workingset_refault": 41022110,
        "workingset_activate": 9022110, "workingset_nodereclaim": 2011, "nr_dirtied": 1022110332,
        "nr_written": 1021990221, "nr_swapcached": 11022})
    nodes = [numa_single(0, "0-15", zones, stats, 92211033102)]
    events = {"pgpgin": 4022110332, "pgpgout": 8211022103, "pswpin": 821102, "pswpout": 2011033,
              "pgalloc_dma32": 1022110331, "pgalloc_normal": 92211033102, "pgfree": 93301102211,
              "pgactivate": 910221033, "pgdeactivate": 822110332, "pgfault": 88211033021, "pgmajfault": 4022110,
              "pgrefill_dma32": 2011022, "pgrefill_normal": 701223110,
              "pgsteal_kswapd_dma32": 10221033, "pgsteal_kswapd_normal": 488011022,
              "pgsteal_direct_dma32": 1022110, "pgsteal_direct_normal": 33011022,
              "pgscan_kswapd_dma32": 12011022, "pgscan_kswapd_normal": 600221033,
              "pgscan_direct_dma32": 1411022, "pgscan_direct_normal": 46810221, "pgscan_direct_throttle": 0,
              "zone_reclaim_failed": 0, "slabs_scanned": 41022110, "kswapd_inodesteal": 210331,
              "kswapd_low_wmark_hit_quickly": 41022, "kswapd_high_wmark_hit_quickly": 9022,
              "pageoutrun": 2110332, "allocstall": 182411, "pgrotated": 301122,
              "pgmigrate_success": 610221033, "pgmigrate_fail": 41022110,
              "compact_migrate_scanned": 9022110332, "compact_free_scanned": 31022110221,
              "compact_isolated": 1410221033, "compact_stall": 1041220, "compact_fail": 812330,
              "compact_success": 228890, "thp_fault_alloc": 8220110, "thp_fault_fallback": 3410221,
              "thp_collapse_alloc": 301122, "thp_collapse_alloc_failed": 41022, "thp_split": 220331,
              "thp_zero_page_alloc": 1}
    settings = {"vm.swappiness": 30, "vm.watermark_boost_factor": None, "vm.dirty_ratio": 30,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.zone_reclaim_mode": 0, "vm.vfs_cache_pressure": 100,
                "vm.page-cluster": 3, "vm.compaction_proactiveness": None, "vm.admin_reserve_kbytes": 8192,
                "vm.max_map_count": 65530, "kernel.numa_balancing": 0}
    mountinfo = (
        "18 40 0:17 / /sys rw,nosuid,nodev,noexec,relatime shared:6 - sysfs sysfs rw,seclabel\n"
        "19 40 0:3 / /proc rw,nosuid,nodev,noexec,relatime shared:5 - proc proc rw\n"
        "24 18 0:20 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:8 - tmpfs tmpfs ro,seclabel,mode=755\n"
        "25 24 0:21 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:9 - cgroup cgroup "
        "rw,seclabel,xattr,release_agent=/usr/lib/systemd/systemd-cgroups-agent,name=systemd\n"
        "31 24 0:27 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup "
        "rw,seclabel,memory\n"
        "40 1 253:0 / / rw,relatime shared:1 - xfs /dev/mapper/centos-root rw,seclabel,attr2,inode64,noquota\n")
    d = "sys/fs/cgroup/memory/system.slice/tomcat.service/"
    cgroup_files = {
        "sys/fs/cgroup/memory/cgroup.procs": "", "sys/fs/cgroup/memory/system.slice/cgroup.procs": "",
        d + "cgroup.procs": "",
        d + "memory.usage_in_bytes": "45022110720\n",
        d + "memory.limit_in_bytes": "9223372036854771712\n",
        d + "memory.max_usage_in_bytes": "61022110720\n",
        d + "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n",
        d + "memory.failcnt": "0\n",
        d + "memory.stat": v1_stat(cache=9022110720, rss=36002110720, dirty=41022110, pgfault=82211033021,
                                   pgmajfault=3022110),
    }
    extra = rhel7_tuned_profiles()
    extra.update({
        "etc/tuned/active_profile": "virtual-guest\n",
        "etc/tuned/profile_mode": "auto\n",
        "etc/systemd/system/multi-user.target.wants/tuned.service": TUNED_UNIT,
        "etc/sysctl.conf": "# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, /run/sysctl.d/, "
                           "and /etc/sysctl.d/.\n",
        "etc/sysctl.d/99-sysctl.conf": "# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, "
                                       "/run/sysctl.d/, and /etc/sysctl.d/.\n",
        "usr/lib/sysctl.d/00-system.conf": "# Kernel sysctl configuration file\nkernel.shmmax = 4294967295\n"
                                           "kernel.shmall = 268435456\n",
        "usr/lib/sysctl.d/50-default.conf": "kernel.sysrq = 16\nkernel.core_uses_pid = 1\n"
                                            "fs.protected_hardlinks = 1\nfs.protected_symlinks = 1\n",
    })
    return {
        "name": "centos7-3.10", "version": (3, 10), "release": "3.10.0-1160.119.1.el7.x86_64",
        "cmdline": "BOOT_IMAGE=/vmlinuz-3.10.0-1160.119.1.el7.x86_64 root=/dev/mapper/centos-root ro "
                   "crashkernel=auto rd.lvm.lv=centos/root rd.lvm.lv=centos/swap rhgb quiet LANG=en_US.UTF-8",
        "ncpus": 16, "cpus_online": "0-15", "numa": True, "nodes": nodes, "uptime_s": 62 * 86400 + 1811.47,
        "min_free_kbytes": None, "watermark_scale_factor": None, "thp_enabled": "always", "thp_defrag": "always",
        "thp_defrag_choices": ["always", "madvise", "never"],
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "pages_to_scan": 4096, "scan_sleep_millisecs": 10000,
                       "alloc_sleep_millisecs": 60000},
        "lru_gen": None, "settings": settings, "events": events,
        "swaps": [{"filename": "/dev/dm-1", "type": "partition", "size_kb": 4194300, "used_kb": 831488,
                   "priority": -2}],
        "buffers_pages": 2011, "committed_as_kb": 52011022, "vmalloc_used_kb": 301122, "percpu_kb": 21504,
        "direct_map_kb": (301056, 9134080, 59768832),
        "stat_threshold": {"DMA": 10, "DMA32": 60, "Normal": 125},
        "psi": None, "self_cgroup": "10:memory:/system.slice/tomcat.service\n1:name=systemd:/system.slice/tomcat.service\n",
        "mountinfo": mountinfo, "cgroup_files": cgroup_files, "extra_files": extra,
    }


def k8s_node_6_8():
    # An Ubuntu 24.04 Kubernetes worker (EKS-style, 8 vCPUs, 32 GiB, no swap), cgroup v2 with the
    # systemd driver, MGLRU on. The pods' parent cgroup sits at its memory.max (the node's
    # allocatable), two pods' containers were OOM-killed at their own limits, pressure is high and
    # allocating tasks do a fifth of all page scanning.
    zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3840, 3840),
        Zone("DMA32", 1044480, 486999, 470011, 22011, buddy_top=4),
        Zone("Normal", 7864320, 7864320, 7684321, 150221, buddy_top=4),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(1902110, 4602211, 552011, 448022, {
        "nr_isolated_anon": 0, "nr_isolated_file": 32, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 0,
        "nr_vmscan_immediate_reclaim": 1022, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
        "nr_slab_reclaimable": 182011, "nr_slab_unreclaimable": 72110, "nr_anon_pages": 6488011,
        "nr_mapped": 201022, "nr_file_pages": 1021033, "nr_dirty": 1022, "nr_writeback": 0, "nr_shmem": 21000,
        "nr_anon_transparent_hugepages": 410, "nr_kernel_misc_reclaimable": 0, "nr_kernel_stack_kb": 30208,
        "nr_page_table_pages": 31022, "nr_sec_page_table_pages": 0, "nr_swapcached": 0, "workingset_nodes": 22011,
        "workingset_refault_anon": 0, "workingset_refault_file": 210331022, "workingset_activate_anon": 0,
        "workingset_activate_file": 61022110, "workingset_restore_anon": 0, "workingset_restore_file": 30221033,
        "workingset_nodereclaim": 4011, "nr_dirtied": 410221033, "nr_written": 410110221})
    nodes = [numa_single(0, "0-7", zones, stats, 31022110331)]
    events = {"pgpgin": 3022110332, "pgpgout": 1022110331, "pgalloc_dma32": 301122033, "pgalloc_normal": 29221033102,
              "allocstall_normal": 21022, "allocstall_movable": 391308, "pgfree": 29601122033,
              "pgactivate": 410221033, "pgdeactivate": 380221022, "pgfault": 26221033021, "pgmajfault": 61022110,
              "pgrefill": 402211033, "pgreuse": 3022110221, "pgsteal_kswapd": 201022110, "pgsteal_direct": 48011022,
              "pgsteal_khugepaged": 1022, "pgscan_kswapd": 244110221, "pgscan_direct": 61022110,
              "pgscan_khugepaged": 2011, "pgscan_direct_throttle": 0, "pgscan_anon": 0, "pgscan_file": 305134342,
              "pgsteal_anon": 0, "pgsteal_file": 249034154, "slabs_scanned": 61022110, "kswapd_inodesteal": 41022,
              "kswapd_low_wmark_hit_quickly": 38211, "kswapd_high_wmark_hit_quickly": 4011, "pageoutrun": 301122,
              "pgrotated": 11022, "oom_kill": 9, "compact_migrate_scanned": 41022110, "compact_free_scanned": 310221033,
              "compact_isolated": 12011022, "compact_stall": 22011, "compact_fail": 4011, "compact_success": 18000,
              "compact_daemon_wake": 9022, "thp_fault_alloc": 41022, "thp_fault_fallback": 2011,
              "thp_collapse_alloc": 3011, "thp_split_page": 1022, "thp_deferred_split_page": 2011,
              "thp_split_pmd": 3011, "thp_zero_page_alloc": 1, "direct_map_level2_splits": 402,
              "direct_map_level3_splits": 11}
    settings = {"vm.swappiness": 60, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 20,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 1,
                "vm.overcommit_ratio": 50, "vm.overcommit_kbytes": 0, "vm.zone_reclaim_mode": 0,
                "vm.vfs_cache_pressure": 100, "vm.page-cluster": 3, "vm.compaction_proactiveness": 20,
                "vm.admin_reserve_kbytes": 8192, "vm.max_map_count": 1048576, "kernel.numa_balancing": 0}
    managed_bytes = (3840 + 470011 + 7684321) * 4096
    allocatable = managed_bytes - 1536 * 1024 * 1024  # kube-reserved 1 GiB + system-reserved 512 MiB
    kubepods_anon = allocatable * 97 // 100 - 8388608
    pod_a = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod5e0c7f1a_3b2d_4c8e_9a1f_2d6b8e4c0a11.slice"
    pod_b = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod9b41d2c7_6a0e_4f3b_8c5d_7e2a1f9c3b42.slice"
    ctr_a = pod_a + "/cri-containerd-4f1d2a9c8b7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c4b3a29180f7e6d5c.scope"
    ctr_b = pod_b + "/cri-containerd-a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90.scope"
    high = psi_text((31.20, 24.06, 16.11, 21022110331), (12.40, 9.41, 6.02, 8011022103))
    pod_psi = psi_text((44.10, 38.22, 21.30, 4022110331), (30.11, 26.40, 14.20, 2011022110))
    files = cgroup_tree_dirs([ctr_a, ctr_b, "/kubepods.slice/kubepods-besteffort.slice",
                              "/system.slice/kubelet.service", "/system.slice/containerd.service",
                              "/user.slice/user-0.slice/session-3.scope"])
    files["sys/fs/cgroup/memory.stat"] = cgroup_v2_stat(anon=26622110720, file=4022110720, file_dirty=4186112,
                                                        pgfault=26221033021, pgmajfault=61022110, pgscan=305134342,
                                                        pgsteal=249034154, thp=0, v61=True)
    files["sys/fs/cgroup/memory.pressure"] = psi_text((18.20, 14.10, 9.80, 24105331022),
                                                      (3.10, 2.90, 2.41, 6120221033))
    files.update(v2_cgroup("/kubepods.slice", kubepods_anon - 2214592512, 2214592512, max_bytes=allocatable,
                           events=(0, 18422, 11, 9), pressure=high, peak=allocatable, swap_max=0))
    files.update(v2_cgroup("/kubepods.slice/kubepods-burstable.slice", 14022110720, 1022110720,
                           events=(0, 7122, 9, 9), pressure=high, peak=16022110720, swap_max=0))
    files.update(v2_cgroup(pod_a, 2101022720, 30221312, max_bytes=2147483648, events=(0, 3110, 7, 7),
                           pressure=pod_psi, peak=2147483648, swap_max=0))
    files.update(v2_cgroup(ctr_a, 2101022720, 30221312, max_bytes=2147483648, events=(0, 3110, 7, 7),
                           pressure=pod_psi, peak=2147483648, swap_max=0))
    files.update(v2_cgroup(pod_b, 4102211584, 60221440, max_bytes=4294967296, events=(0, 4012, 2, 2),
                           pressure=pod_psi, peak=4294967296, swap_max=0))
    files.update(v2_cgroup(ctr_b, 4102211584, 60221440, max_bytes=4294967296, events=(0, 4012, 2, 2),
                           pressure=pod_psi, peak=4294967296, swap_max=0))
    files.update(v2_cgroup("/kubepods.slice/kubepods-besteffort.slice", 1022110720, 402110720, peak=2022110720))
    files.update(v2_cgroup("/system.slice/kubelet.service", 180221952, 40221184, peak=260221952))
    files.update(v2_cgroup("/system.slice/containerd.service", 210221056, 1102110720, peak=1402110720))
    files.update(v2_cgroup("/user.slice/user-0.slice/session-3.scope", 8011776, 2011136, peak=12011520))
    kubelet = ("apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\ncgroupDriver: systemd\n"
               "kubeReserved:\n  memory: 1Gi\nsystemReserved:\n  memory: 512Mi\nevictionHard:\n"
               "  memory.available: 100Mi\nprotectKernelDefaults: false\n")
    extra = {
        "var/lib/kubelet/config.yaml": kubelet,
        "usr/lib/sysctl.d/10-map-count.conf": "vm.max_map_count = 1048576\n",
        "usr/lib/sysctl.d/50-pid-max.conf": "kernel.pid_max = 4194304\n",
        "etc/sysctl.d/99-kubernetes-cri.conf": "net.bridge.bridge-nf-call-iptables  = 1\nnet.ipv4.ip_forward = 1\n"
                                               "net.bridge.bridge-nf-call-ip6tables = 1\n",
    }
    return {
        "name": "k8s-node-6.8", "version": (6, 8), "release": "6.8.0-1021-aws",
        "cmdline": "BOOT_IMAGE=/vmlinuz-6.8.0-1021-aws root=PARTUUID=5e0a2c1d-01 ro console=tty1 console=ttyS0 "
                   "nvme_core.io_timeout=4294967295 panic=-1",
        "ncpus": 8, "cpus_online": "0-7", "numa": True, "nodes": nodes, "uptime_s": 9 * 86400 + 3022.18,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "madvise", "thp_defrag": "madvise",
        "mthp": {16: "never", 32: "never", 64: "never", 128: "never", 256: "never", 512: "never", 1024: "never",
                 2048: "inherit"},
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": "0x0007", "settings": settings, "events": events, "swaps": [], "buffers_pages": 11022,
        "committed_as_kb": 41022110, "vmalloc_used_kb": 61022, "percpu_kb": 15360,
        "direct_map_kb": (221184, 7118848, 26214400),
        "stat_threshold": {"DMA": 8, "DMA32": 40, "Normal": 64},
        "psi": psi_text((18.20, 14.10, 9.80, 24105331022), (3.10, 2.90, 2.41, 6120221033)),
        "self_cgroup": "0::/user.slice/user-0.slice/session-3.scope\n", "mountinfo": V2_MOUNTINFO,
        "cgroup_files": files, "extra_files": extra,
    }


def db_numa_6_1():
    # A Debian 12 bare-metal PostgreSQL 15 server: 2 sockets × 24 cores × 2 threads, 512 GiB (256 per
    # node), 32 GiB of swap on LVM, 68 GiB of hugetlb for shared_buffers, THP always from the
    # command line (defrag madvise). A month of uptime with tens of thousands of direct-reclaim
    # stalls, tens of millions of pages scanned by allocating tasks, visible PSI.
    n0_zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3840, 3840),
        Zone("DMA32", 1044480, 441001, 424120, 120221, buddy_top=6),
        Zone("Normal", 66060288, 66060288, 65011022, 520221, buddy_top=5),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    n1_zones = with_start_pfns([
        Zone("DMA"), Zone("DMA32"),
        Zone("Normal", 67108864, 67108864, 66060211, 611022, buddy_top=5),
        Zone("Movable"), Zone("Device")], [0, 0, 67108864, 0, 0])
    common = {"nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
              "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 201022,
              "nr_vmscan_immediate_reclaim": 11022, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
              "nr_kernel_misc_reclaimable": 0, "nr_sec_page_table_pages": 0, "nr_unevictable": 0}
    n0 = node_stats(9022110, 18011022, 14022110, 10011022, dict(common,
        nr_slab_reclaimable=1102211, nr_slab_unreclaimable=210331, nr_anon_pages=26911022, nr_mapped=2210331,
        nr_file_pages=24602211, nr_dirty=61022, nr_writeback=2011, nr_shmem=410221,
        nr_anon_transparent_hugepages=41022, nr_kernel_stack_kb=61440, nr_page_table_pages=410221,
        nr_swapcached=102211, workingset_nodes=221033, workingset_refault_anon=1022110,
        workingset_refault_file=210221033, workingset_activate_anon=410221, workingset_activate_file=61022110,
        workingset_restore_anon=201022, workingset_restore_file=30221033, workingset_nodereclaim=41022,
        nr_dirtied=9022110332, nr_written=9021990221))
    n1 = node_stats(9412011, 17822110, 14910221, 10402211, dict(common,
        nr_slab_reclaimable=1022110, nr_slab_unreclaimable=201022, nr_anon_pages=27101122, nr_mapped=2102211,
        nr_file_pages=25701122, nr_dirty=52011, nr_writeback=1022, nr_shmem=398011,
        nr_anon_transparent_hugepages=40211, nr_kernel_stack_kb=60416, nr_page_table_pages=402211,
        nr_swapcached=98011, workingset_nodes=211022, workingset_refault_anon=982011,
        workingset_refault_file=201022110, workingset_activate_anon=398011, workingset_activate_file=58011022,
        workingset_restore_anon=190221, workingset_restore_file=29011022, workingset_nodereclaim=39011,
        nr_dirtied=8822110331, nr_written=8821990110))
    nodes = [
        Node(0, "0-23,48-71", [10, 21], n0_zones, n0, {"numa_hit": 310221033102, "numa_miss": 4022110331,
             "numa_foreign": 3811022033, "interleave_hit": 61022, "local_node": 310110221033,
             "other_node": 4133221033}),
        Node(1, "24-47,72-95", [21, 10], n1_zones, n1, {"numa_hit": 301022110331, "numa_miss": 3811022033,
             "numa_foreign": 4022110331, "interleave_hit": 61011, "local_node": 300911022033,
             "other_node": 3922110331}),
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
    events = {"pgpgin": 61022110332, "pgpgout": 98221033102, "pswpin": 4022110, "pswpout": 9022110,
              "pgalloc_dma32": 2011022033, "pgalloc_normal": 612211033102, "allocstall_dma": 0,
              "allocstall_dma32": 0, "allocstall_normal": 4211, "allocstall_movable": 57009,
              "pgfree": 614410221033, "pgactivate": 9022110332, "pgdeactivate": 8011022033,
              "pgfault": 401122033021, "pgmajfault": 41022110, "pgrefill": 12011022033, "pgreuse": 41022110331,
              "pgsteal_kswapd": 351022110, "pgsteal_direct": 30221033, "pgsteal_khugepaged": 0,
              "pgscan_kswapd": 402110221, "pgscan_direct": 38220110, "pgscan_khugepaged": 0,
              "pgscan_direct_throttle": 0, "pgscan_anon": 12011022, "pgscan_file": 428319309,
              "pgsteal_anon": 9022110, "pgsteal_file": 372221033, "slabs_scanned": 301122033,
              "kswapd_inodesteal": 2011022, "kswapd_low_wmark_hit_quickly": 6120, "kswapd_high_wmark_hit_quickly": 1022,
              "pageoutrun": 410221, "pgrotated": 1022110, "oom_kill": 0, "numa_pte_updates": 9022110332,
              "numa_huge_pte_updates": 12011022, "numa_hint_faults": 6022110331, "numa_hint_faults_local": 5811022033,
              "numa_pages_migrated": 201122033, "pgmigrate_success": 212211033, "pgmigrate_fail": 22011,
              "compact_migrate_scanned": 1022110331, "compact_free_scanned": 9022110332,
              "compact_isolated": 301122033, "compact_stall": 41022, "compact_fail": 8011, "compact_success": 33011,
              "compact_daemon_wake": 61022, "thp_fault_alloc": 22011033, "thp_fault_fallback": 310221,
              "thp_fault_fallback_charge": 0, "thp_collapse_alloc": 410221, "thp_collapse_alloc_failed": 1022,
              "thp_split_page": 61022, "thp_deferred_split_page": 120331, "thp_split_pmd": 201122,
              "thp_zero_page_alloc": 1, "swap_ra": 3011022, "swap_ra_hit": 2011022,
              "direct_map_level2_splits": 2011, "direct_map_level3_splits": 41}
    settings = {"vm.swappiness": 60, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 20,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.overcommit_kbytes": 0, "vm.zone_reclaim_mode": 0,
                "vm.vfs_cache_pressure": 100, "vm.page-cluster": 3, "vm.compaction_proactiveness": 20,
                "vm.admin_reserve_kbytes": 8192, "vm.max_map_count": 65530, "kernel.numa_balancing": 1}
    svc = "/system.slice/postgresql@15-main.service"
    files = cgroup_tree_dirs([svc])
    files["sys/fs/cgroup/memory.stat"] = cgroup_v2_stat(anon=412011022336, file=203022110720, file_dirty=461373440,
                                                        pgfault=401122033021, pgmajfault=41022110, pgscan=440330331,
                                                        pgsteal=381243143, thp=2 * 1024 * 1024 * 81233, v61=True)
    files.update(v2_cgroup(svc, 401022110720, 190221033472, peak=611022110720))
    extra = {
        "etc/sysctl.d/30-postgresql-shm.conf": "# Shared memory settings for PostgreSQL\n\n# Note that if another "
                                               "program uses shared memory as well, you will have to\n# coordinate "
                                               "the size settings between the two.\n\n# Maximum size of shared memory "
                                               "segment in bytes\n#kernel.shmmax = 33554432\n\n# Maximum total size "
                                               "of shared memory in pages (normally 4096 bytes)\n"
                                               "#kernel.shmall = 2097152\n",
        "etc/sysctl.d/99-sysctl.conf": "#\n# /etc/sysctl.conf - Configuration file for setting system variables\n"
                                       "# See /etc/sysctl.d/ for additional system variables.\n#\n",
        "etc/sysctl.d/90-hugepages.conf": "# shared_buffers = 64GB in huge pages (postgresql.conf huge_pages = on)\n"
                                          "vm.nr_hugepages = 34816\n",
        "usr/lib/sysctl.d/50-pid-max.conf": "kernel.pid_max = 4194304\n",
    }
    return {
        "name": "db-numa-6.1", "version": (6, 1), "release": "6.1.0-18-amd64",
        "cmdline": "BOOT_IMAGE=/boot/vmlinuz-6.1.0-18-amd64 root=/dev/mapper/vg0-root ro "
                   "transparent_hugepage=always quiet",
        "ncpus": 96, "cpus_online": "0-95", "numa": True, "nodes": nodes, "uptime_s": 34 * 86400 + 4410.92,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "always", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": "0x0000", "settings": settings, "events": events, "hugetlb_pages": 34816, "hugetlb_free": 1022,
        "swaps": [{"filename": "/dev/dm-2", "type": "partition", "size_kb": 33554428,
                   "used_kb": (n0["nr_swapcached"] + n1["nr_swapcached"]) * 4 + 1402211, "priority": -2}],
        "buffers_pages": 411022, "committed_as_kb": 296 * 1024 * 1024, "vmalloc_used_kb": 910221,
        "percpu_kb": 251904, "direct_map_kb": (2011136, 61022208, 475004928),
        "stat_threshold": {"DMA": 14, "DMA32": 70, "Normal": 125},
        "psi": psi_text((1.21, 0.88, 0.61, 11750331022), (0.31, 0.24, 0.21, 2610221033)),
        "self_cgroup": f"0::{svc}\n", "mountinfo": V2_MOUNTINFO, "cgroup_files": files, "extra_files": extra,
    }


def rhel9_drift_5_14():
    # A RHEL 9.3 application server VM (8 vCPUs, 32 GiB, 4 GiB swap) whose files and runtime
    # disagree: tuned runs a site profile (app-server, including throughput-performance, THP never),
    # config management dropped /etc/sysctl.d/99-app.conf after the last boot without applying it,
    # and someone switched THP back to always by hand. PSI is built but off (RHEL 9 needs psi=1).
    zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3840, 3840),
        Zone("DMA32", 1044480, 782303, 765021, 210331, buddy_top=8),
        Zone("Normal", 7340032, 7340032, 7188011, 1802211, buddy_top=8),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(1210221, 2602110, 1022110, 1101022, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 1022,
        "nr_vmscan_immediate_reclaim": 12, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
        "nr_slab_reclaimable": 110221, "nr_slab_unreclaimable": 51022, "nr_anon_pages": 3781022, "nr_mapped": 101122,
        "nr_file_pages": 2152011, "nr_dirty": 2011, "nr_writeback": 0, "nr_shmem": 21022,
        "nr_anon_transparent_hugepages": 3011, "nr_kernel_misc_reclaimable": 0, "nr_kernel_stack_kb": 14336,
        "nr_page_table_pages": 15022, "nr_swapcached": 1022, "workingset_nodes": 4011,
        "workingset_refault_anon": 2011, "workingset_refault_file": 1022110, "workingset_activate_anon": 1011,
        "workingset_activate_file": 302211, "workingset_restore_anon": 502, "workingset_restore_file": 110221,
        "workingset_nodereclaim": 12, "nr_dirtied": 91022110, "nr_written": 91011022})
    nodes = [numa_single(0, "0-7", zones, stats, 4022110331)]
    events = {"pgpgin": 301122033, "pgpgout": 402211033, "pswpin": 2011, "pswpout": 4022,
              "pgalloc_dma32": 40221103, "pgalloc_normal": 4102211033, "allocstall_normal": 0, "allocstall_movable": 12,
              "pgfree": 4161022110, "pgactivate": 41022110, "pgdeactivate": 30221033, "pgfault": 3902211033,
              "pgmajfault": 201122, "pgrefill": 40221103, "pgreuse": 402211033, "pgsteal_kswapd": 20110221,
              "pgsteal_direct": 2011, "pgscan_kswapd": 24022110, "pgscan_direct": 3011, "pgscan_direct_throttle": 0,
              "pgscan_anon": 41022, "pgscan_file": 23984099, "pgsteal_anon": 4022, "pgsteal_file": 20108210,
              "slabs_scanned": 2011022, "kswapd_inodesteal": 1022, "kswapd_low_wmark_hit_quickly": 211,
              "kswapd_high_wmark_hit_quickly": 31, "pageoutrun": 4011, "pgrotated": 2011, "oom_kill": 0,
              "compact_migrate_scanned": 1022110, "compact_free_scanned": 9022110, "compact_isolated": 402211,
              "compact_stall": 41, "compact_fail": 12, "compact_success": 29, "compact_daemon_wake": 1022,
              "thp_fault_alloc": 410221, "thp_fault_fallback": 2011, "thp_collapse_alloc": 1022,
              "thp_split_page": 402, "thp_deferred_split_page": 1022, "thp_split_pmd": 2011, "thp_zero_page_alloc": 1}
    settings = {"vm.swappiness": 10, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 40,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.overcommit_kbytes": 0, "vm.zone_reclaim_mode": 0,
                "vm.vfs_cache_pressure": 100, "vm.page-cluster": 3, "vm.compaction_proactiveness": 20,
                "vm.admin_reserve_kbytes": 8192, "vm.max_map_count": 65530, "kernel.numa_balancing": 0}
    svc = "/system.slice/app-server.service"
    files = cgroup_tree_dirs([svc])
    files["sys/fs/cgroup/memory.stat"] = cgroup_v2_stat(anon=15487008768, file=8814690304, file_dirty=8237056,
                                                        pgfault=3902211033, pgmajfault=201122, pgscan=24025121,
                                                        pgsteal=20112232, thp=3011 * 2 * 1024 * 1024, v61=True)
    files.update(v2_cgroup(svc, 14022110208, 6022110208, peak=18022110208))
    throughput = ("#\n# tuned configuration\n#\n\n[main]\nsummary=Broadly applicable tuning that provides excellent "
                  "performance across a variety of common server workloads\n\n[cpu]\ngovernor=performance\n"
                  "energy_perf_bias=performance\nmin_perf_pct=100\nenergy_performance_preference=performance\n\n"
                  "[acpi]\nplatform_profile=performance\n\n# Marvell ThunderX\n[vm.thunderx]\ntype=vm\n"
                  "uname_regex=aarch64\ntransparent_hugepages=never\n\n[disk]\nreadahead=>4096\n\n[sysctl]\n"
                  "# throttle writers before the page cache holds too much dirty data\nvm.dirty_ratio = 40\n"
                  "vm.dirty_background_ratio = 10\nvm.swappiness=10\n")
    site = ("[main]\nsummary=Site profile for the application servers\ninclude=throughput-performance\n\n[vm]\n"
            "transparent_hugepages=never\n")
    app_conf = ("# managed by config management: application server memory settings\nvm.swappiness = 1\n"
                "vm.dirty_ratio = 15\nvm.dirty_background_ratio = 5\n# reserve 1 GiB for the kernel\n"
                "vm.min_free_kbytes = 1048576\nvm.overcommit_memory = 2\n")
    extra = {
        "usr/lib/tuned/throughput-performance/tuned.conf": throughput,
        "etc/tuned/app-server/tuned.conf": site,
        "etc/tuned/active_profile": "app-server\n",
        "etc/tuned/profile_mode": "manual\n",
        "etc/tuned/tuned-main.conf": "daemon = 1\ndynamic_tuning = 0\nsleep_interval = 1\nupdate_interval = 10\n"
                                     "recommend_command = 1\nreapply_sysctl = 1\n",
        "etc/systemd/system/multi-user.target.wants/tuned.service": TUNED_UNIT,
        "etc/sysctl.d/99-app.conf": app_conf,
        "etc/sysctl.conf": "# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, /run/sysctl.d/, "
                           "and /etc/sysctl.d/.\n",
        "etc/sysctl.d/99-sysctl.conf": "# sysctl settings are defined through files in\n# /usr/lib/sysctl.d/, "
                                       "/run/sysctl.d/, and /etc/sysctl.d/.\n",
        "usr/lib/sysctl.d/50-default.conf": "kernel.sysrq = 16\nkernel.core_uses_pid = 1\n"
                                            "fs.protected_hardlinks = 1\nfs.protected_symlinks = 1\n",
        "usr/lib/sysctl.d/50-pid-max.conf": "kernel.pid_max = 4194304\n",
    }
    return {
        "name": "rhel9-drift-5.14", "version": (5, 14), "release": "5.14.0-362.24.1.el9_3.x86_64",
        "cmdline": "BOOT_IMAGE=(hd0,gpt2)/vmlinuz-5.14.0-362.24.1.el9_3.x86_64 root=/dev/mapper/rhel-root ro "
                   "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M resume=/dev/mapper/rhel-swap rd.lvm.lv=rhel/root "
                   "rd.lvm.lv=rhel/swap",
        "ncpus": 8, "cpus_online": "0-7", "numa": True, "nodes": nodes, "uptime_s": 21 * 86400 + 602.33,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "always", "thp_defrag": "madvise",
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": None, "settings": settings, "events": events,
        "swaps": [{"filename": "/dev/dm-1", "type": "partition", "size_kb": 4194300, "used_kb": 12288, "priority": -2}],
        "buffers_pages": 3011, "committed_as_kb": 21022110, "vmalloc_used_kb": 41022, "percpu_kb": 12288,
        "direct_map_kb": (301056, 5931008, 28311552),
        "stat_threshold": {"DMA": 8, "DMA32": 40, "Normal": 64},
        "psi": None, "self_cgroup": f"0::{svc}\n", "mountinfo": V2_MOUNTINFO, "cgroup_files": files,
        "extra_files": extra,
    }


def small_vm_6_12():
    # A Debian 13 cloud VM, 2 vCPUs, 4 GiB, no swap, cgroup v2, MGLRU on: a web server that never
    # came near its memory. The kernel's defaults are right here.
    zones = with_start_pfns([
        Zone("DMA", 4095, 3998, 3840, 3200),
        Zone("DMA32", 1044480, 782304, 761850, 391022, buddy_top=10),
        Zone("Normal", 262144, 262144, 255210, 120330, buddy_top=10),
        Zone("Movable"), Zone("Device")], [1, 4096, 1048576, 0, 0])
    stats = node_stats(60221, 110331, 110221, 140331, {
        "nr_isolated_anon": 0, "nr_isolated_file": 0, "nr_writeback_temp": 0, "nr_shmem_hugepages": 0,
        "nr_shmem_pmdmapped": 0, "nr_file_hugepages": 0, "nr_file_pmdmapped": 0, "nr_vmscan_write": 0,
        "nr_vmscan_immediate_reclaim": 0, "nr_foll_pin_acquired": 0, "nr_foll_pin_released": 0,
        "nr_slab_reclaimable": 22011, "nr_slab_unreclaimable": 11022, "nr_anon_pages": 168011, "nr_mapped": 31022,
        "nr_file_pages": 252011, "nr_dirty": 211, "nr_writeback": 0, "nr_shmem": 1022,
        "nr_anon_transparent_hugepages": 21, "nr_kernel_misc_reclaimable": 0, "nr_kernel_stack_kb": 3072,
        "nr_page_table_pages": 1411, "nr_sec_page_table_pages": 0, "nr_swapcached": 0, "workingset_nodes": 11,
        "workingset_refault_anon": 0, "workingset_refault_file": 1022, "workingset_activate_anon": 0,
        "workingset_activate_file": 402, "workingset_restore_anon": 0, "workingset_restore_file": 110,
        "workingset_nodereclaim": 0, "nr_dirtied": 3022110, "nr_written": 3011022})
    nodes = [numa_single(0, "0-1", zones, stats, 402211033)]
    events = {"pgpgin": 2011022, "pgpgout": 12011022, "pgalloc_dma32": 210221033, "pgalloc_normal": 190221033,
              "allocstall_normal": 0, "allocstall_movable": 0, "pgfree": 401022110, "pgactivate": 1022110,
              "pgdeactivate": 12011, "pgfault": 402211033, "pgmajfault": 4011, "pgrefill": 12011, "pgreuse": 41022110,
              "pgsteal_kswapd": 10221, "pgsteal_direct": 0, "pgscan_kswapd": 12011, "pgscan_direct": 0,
              "pgscan_direct_throttle": 0, "pgscan_anon": 0, "pgscan_file": 12011, "pgsteal_anon": 0,
              "pgsteal_file": 10221, "slabs_scanned": 2011, "kswapd_low_wmark_hit_quickly": 0,
              "kswapd_high_wmark_hit_quickly": 0, "pageoutrun": 3, "oom_kill": 0, "compact_migrate_scanned": 4011,
              "compact_free_scanned": 22011, "compact_isolated": 1022, "compact_stall": 0, "compact_fail": 0,
              "compact_success": 0, "compact_daemon_wake": 11, "thp_fault_alloc": 211, "thp_fault_fallback": 0,
              "thp_collapse_alloc": 21, "thp_zero_page_alloc": 1}
    settings = {"vm.swappiness": 60, "vm.watermark_boost_factor": 15000, "vm.dirty_ratio": 20,
                "vm.dirty_background_ratio": 10, "vm.dirty_bytes": 0, "vm.dirty_background_bytes": 0,
                "vm.dirty_expire_centisecs": 3000, "vm.dirty_writeback_centisecs": 500, "vm.overcommit_memory": 0,
                "vm.overcommit_ratio": 50, "vm.overcommit_kbytes": 0, "vm.zone_reclaim_mode": 0,
                "vm.vfs_cache_pressure": 100, "vm.page-cluster": 3, "vm.compaction_proactiveness": 20,
                "vm.admin_reserve_kbytes": 8192, "vm.max_map_count": 1048576, "kernel.numa_balancing": 0}
    svc = "/system.slice/nginx.service"
    files = cgroup_tree_dirs([svc, "/user.slice/user-1000.slice/session-2.scope"])
    files["sys/fs/cgroup/memory.stat"] = cgroup_v2_stat(anon=692011008, file=1026121728, file_dirty=864256,
                                                        pgfault=402211033, pgmajfault=4011, pgscan=12011, pgsteal=10221,
                                                        thp=21 * 2 * 1024 * 1024, v61=True)
    files.update(v2_cgroup(svc, 210221056, 402211072, peak=301122048 + 402211072))
    files.update(v2_cgroup("/user.slice/user-1000.slice/session-2.scope", 4022272, 1011712, peak=12011520))
    extra = {
        "usr/lib/sysctl.d/10-map-count.conf": "vm.max_map_count = 1048576\n",
        "usr/lib/sysctl.d/50-pid-max.conf": "kernel.pid_max = 4194304\n",
        "etc/sysctl.d/README.sysctl": "Kernel system variables configuration files\n",
    }
    return {
        "name": "small-vm-6.12", "version": (6, 12), "release": "6.12.38+deb13-cloud-amd64",
        "cmdline": "BOOT_IMAGE=/vmlinuz-6.12.38+deb13-cloud-amd64 root=PARTUUID=2d1e6a7b-01 ro console=tty0 "
                   "console=ttyS0,115200 earlyprintk=ttyS0,115200 consoleblank=0",
        "ncpus": 2, "cpus_online": "0-1", "numa": True, "nodes": nodes, "uptime_s": 12 * 86400 + 1201.07,
        "min_free_kbytes": None, "watermark_scale_factor": 10, "thp_enabled": "madvise", "thp_defrag": "madvise",
        "mthp": {16: "never", 32: "never", 64: "never", 128: "never", 256: "never", 512: "never", 1024: "never",
                 2048: "inherit"},
        "khugepaged": {"defrag": 1, "max_ptes_none": 511, "max_ptes_swap": 64, "max_ptes_shared": 256,
                       "pages_to_scan": 4096, "scan_sleep_millisecs": 10000, "alloc_sleep_millisecs": 60000},
        "lru_gen": "0x0007", "settings": settings, "events": events, "swaps": [], "buffers_pages": 11022,
        "committed_as_kb": 1102211, "vmalloc_used_kb": 12011, "percpu_kb": 1536,
        "direct_map_kb": (120832, 4073472, 0),
        "stat_threshold": {"DMA": 4, "DMA32": 12, "Normal": 12},
        "psi": psi_text((0.00, 0.00, 0.00, 1211022), (0.00, 0.00, 0.00, 402211)),
        "self_cgroup": "0::/user.slice/user-1000.slice/session-2.scope\n", "mountinfo": V2_MOUNTINFO,
        "cgroup_files": files, "extra_files": extra,
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
    for make in (numa2_5_15, old_4_19, container_v2_6_1, fragmented_6_1, systemd_v2_6_12, centos7_3_10,
                 k8s_node_6_8, db_numa_6_1, rhel9_drift_5_14, small_vm_6_12):
        write_host(make())

