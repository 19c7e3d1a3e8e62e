#!/usr/bin/env python3
"""The Debian package `cpack -G DEB` makes from the build tree: its Depends (computed by
dpkg-shlibdeps) name the runtime libraries the binary links; it holds the binary, the profiles,
the man page, bash completion, the README, the dashboard and the systemd units; the man page
renders; the units pass systemd-analyze; bash completion completes commands, options and the
packaged profiles.

Usage: package_test.py BUILD_DIR SOURCE_DIR. Exit 77 (skipped) when cpack, dpkg-deb or
dpkg-shlibdeps is missing, or the build has no man page (help2man was not installed).
"""
import glob
import os
import shutil
import subprocess
import sys
import tempfile
import time

SKIP = 77
EXPECTED_FILES = [
    "./usr/bin/mmtune",
    "./usr/share/mmtune/profiles/general.json",
    "./usr/share/mmtune/profiles/database.json",
    "./usr/share/man/man1/mmtune.1.gz",
    "./usr/share/bash-completion/completions/mmtune",
    "./usr/share/doc/mmtune/README.md",
    "./usr/share/doc/mmtune/prometheus.md",
    "./usr/share/mmtune/grafana/mmtune-dashboard.json",
    "./usr/lib/systemd/system/mmtune-export.service",
    "./usr/lib/systemd/system/mmtune-export.timer",
]
# What the binary links: libnuma, liburing, libfmt, libstdc++, libc, zlib (and libgcc_s), libcrypto
# (the host identity's machine id), simdjson (`mmtune fleet`) and NLopt (`mmtune optimize`).
EXPECTED_DEPENDS = ["libc6", "libfmt9", "libnuma1", "liburing2", "libstdc++6", "zlib1g", "libssl3",
                    "libsimdjson14", "libnlopt0"]


def run(*args, **kwargs):
    return subprocess.run(args, check=True, capture_output=True, text=True, **kwargs).stdout


def complete(root, words):
    """COMPREPLY of the packaged completion for the command line `words` (the last is completed)."""
    script = (f"source {root}/usr/share/bash-completion/completions/mmtune\n"
              f"COMP_WORDS=({' '.join(words)}); COMP_CWORD={len(words) - 1}\n"
              "_mmtune; printf '%s\\n' \"${COMPREPLY[@]}\"\n")
    env = dict(os.environ, PATH=f"{root}/usr/bin:" + os.environ["PATH"])
    return run("bash", "-c", script, env=env).split()


def main():
    build, source = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
    for tool in ("cpack", "dpkg-deb", "dpkg-shlibdeps"):
        if not shutil.which(tool):
            print(f"SKIP: {tool} is not installed")
            return SKIP
    if not os.path.exists(f"{build}/mmtune.1.gz"):
        print("SKIP: the build has no man page (install help2man and build again)")
        return SKIP
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mmtune-package-") as work:
        run("cpack", "-G", "DEB", "--config", f"{build}/CPackConfig.cmake", "-B", work, cwd=build)
        (deb,) = glob.glob(f"{work}/mmtune_*.deb")
        print(f"built {os.path.basename(deb)} ({os.path.getsize(deb) // 1024} KiB) in {time.monotonic() - started:.1f} s")

        depends = run("dpkg-deb", "--field", deb, "Depends").strip()
        print(f"Depends: {depends}")
        names = [d.strip().split()[0] for d in depends.split(",")]
        for package in EXPECTED_DEPENDS:
            assert package in names, f"Depends lacks {package}: {depends}"

        contents = run("dpkg-deb", "--contents", deb)
        paths = {line.split()[-1] for line in contents.splitlines()}
        for path in EXPECTED_FILES:
            assert path in paths, f"the package lacks {path}"
        print(f"contents: {len(paths)} paths, {len(EXPECTED_FILES)} expected ones present")

        root = f"{work}/root"
        run("dpkg-deb", "--extract", deb, root)
        mode = os.stat(f"{root}/usr/bin/mmtune").st_mode & 0o777
        assert mode == 0o755, oct(mode)
        page = run("man", "-l", f"{root}/usr/share/man/man1/mmtune.1.gz", env=dict(os.environ, MANWIDTH="100"))
        for section in ("NAME", "SYNOPSIS", "EXIT STATUS", "FILES"):
            assert section in page, f"the man page lacks {section}"
        assert "--prometheus" in page and "--profile" in page, "the man page lacks the commands' options"
        print(f"man page: {len(page.splitlines())} lines, every command's options")

        if shutil.which("systemd-analyze") and os.path.isdir("/usr/lib/systemd/system"):
            # Verified inside the package's root (ExecStart resolves there), with this host's
            # targets and slices beside the units for what they are ordered after.
            units = f"{root}/usr/lib/systemd/system"
            for path in glob.glob("/usr/lib/systemd/system/*.target") + glob.glob("/usr/lib/systemd/system/*.slice"):
                shutil.copy(path, units)
            verify = subprocess.run(["systemd-analyze", "verify", "--man=no", f"--root={root}",
                                     "mmtune-export.service", "mmtune-export.timer"], capture_output=True, text=True)
            assert verify.returncode == 0 and not (verify.stdout + verify.stderr).strip(), verify.stdout + verify.stderr
            print("systemd-analyze verify: the units are valid and find /usr/bin/mmtune")

        assert complete(root, ["mmtune", "tu"]) == ["tune"]
        assert "--prometheus" in complete(root, ["mmtune", "export", "--prom"])
        assert "database" in complete(root, ["mmtune", "tune", "--profile", "data"])
        assert "demand-paging" in complete(root, ["mmtune", "run", "dem"])
        print("bash completion: commands, options, packaged profiles and workloads")
    print(f"passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
