#!/usr/bin/env bash
# Builds the numeric core (the kernels and the models) for arm64, where the kernels are the NEON
# build, and runs its tests under qemu's user-mode emulation: VectorKernelsTests (the kernels against
# their scalar definitions, the pinned activation bits) and RNNTests (every model against the
# fixtures from its PyTorch twin, and the gradients against finite differences).
#
# No arm64 machine is needed, but root is: it installs qemu-user-static, binfmt-support and
# debootstrap, builds a Debian trixie arm64 root in $ROOT (about 2.5 GB), and installs Debian's
# swiftlang there. The protocol, language and store are not built (their packages are fetched from
# GitHub, which the chroot does not reach); they hold no architecture-specific code.
# Not part of `make test`: on 2 cores the build takes some 17 minutes and the tests 12 under
# emulation, and making the arm64 root about 40 more the first time.
set -euo pipefail
ROOT=${ROOT:-/work/arm64}
repo=$(cd "$(dirname "$0")/.." && pwd)

if ! command -v qemu-aarch64-static > /dev/null || ! command -v debootstrap > /dev/null; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q qemu-user-static binfmt-support debootstrap
fi
[ -e /proc/sys/fs/binfmt_misc/register ] || mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
update-binfmts --enable qemu-aarch64 2> /dev/null || true
[ -x "$ROOT/bin/sh" ] || debootstrap --arch=arm64 --variant=minbase --include=ca-certificates trixie "$ROOT" http://deb.debian.org/debian
mountpoint -q "$ROOT/proc" || mount -t proc proc "$ROOT/proc"
mountpoint -q "$ROOT/dev" || mount --bind /dev "$ROOT/dev"
# Unmounted at the end, so that removing $ROOT later cannot reach the host's /dev; lazily, since
# an interrupted compiler may still hold them when the trap runs (a plain umount then left /dev).
trap 'umount -l "$ROOT/dev" 2> /dev/null; umount -l "$ROOT/proc" 2> /dev/null; true' EXIT
if [ ! -x "$ROOT/usr/bin/swift" ]; then
    cp /etc/resolv.conf "$ROOT/etc/"
    chroot "$ROOT" /bin/sh -c 'DEBIAN_FRONTEND=noninteractive apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends swiftlang'
fi

# A package of the numeric core only: the same sources and tests, the same -O for the kernels.
pkg="$ROOT/root/core"
rm -rf "$pkg/Sources" "$pkg/Tests"
mkdir -p "$pkg/Sources" "$pkg/Tests"
for t in CPUFeatures VectorKernelsInterface VectorKernelsBaseline VectorKernels RNN; do cp -rL "$repo/Sources/$t" "$pkg/Sources/"; done
for t in VectorKernelsTests RNNTests; do cp -rL "$repo/Tests/$t" "$pkg/Tests/"; done
cat > "$pkg/Package.swift" <<'SWIFT'
// swift-tools-version:5.9
import PackageDescription
let kernelDebug: SwiftSetting = .unsafeFlags(["-O"], .when(configuration: .debug))
let package = Package(
    name: "rnn-core",
    targets: [
        .target(name: "CPUFeatures"),
        .target(name: "VectorKernelsInterface"),
        .target(name: "VectorKernelsBaseline", dependencies: ["VectorKernelsInterface"], swiftSettings: [kernelDebug]),
        .target(name: "VectorKernels", dependencies: ["VectorKernelsInterface", "VectorKernelsBaseline", "CPUFeatures"]),
        .target(name: "RNN", dependencies: ["VectorKernels"]),
        .testTarget(name: "VectorKernelsTests", dependencies: ["VectorKernels"]),
        .testTarget(name: "RNNTests", dependencies: ["RNN", "VectorKernels"], resources: [.copy("Fixtures")]),
    ]
)
SWIFT
chroot "$ROOT" /bin/sh -c 'cd /root/core && uname -m && swift --version && swift build --build-tests && swift test --skip-build'
