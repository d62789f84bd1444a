#!/bin/sh
# cdeps.sh: install the C libraries the desktop programs (tray, console) link, found from
# what the Go packages themselves ask the linker for (go list: #cgo LDFLAGS and
# pkg-config), not from a list kept by hand that drifts. Every library must map to the
# Debian package that provides it; a new one that does not fails here at once, naming
# itself, instead of as a link error minutes into make test.
#
# usage: build/cdeps.sh [--check]   (--check: install nothing, fail if something is missing)
set -eu
cd "$(dirname "$0")/.."
GO=${GO:-go}
check_only=${1:-}

# -l name, or pkg-config name, : Debian package. The C library's own (m, dl, rt, pthread,
# resolv) come with libc6-dev, which gcc pulls in.
LIBS="GL:libgl-dev X11:libx11-dev Xrandr:libxrandr-dev Xxf86vm:libxxf86vm-dev Xi:libxi-dev
Xcursor:libxcursor-dev Xinerama:libxinerama-dev m:libc6-dev dl:libc6-dev rt:libc6-dev
pthread:libc6-dev resolv:libc6-dev"
PKGCONFIG="gl:libgl-dev ayatana-appindicator3-0.1:libayatana-appindicator3-dev gtk+-3.0:libgtk-3-dev"
# The Windows console is linked by mingw-w64, whose libraries all come with it.
WINDOWS_PKG=gcc-mingw-w64-x86-64
DESKTOP="./client/tray ./client/console"

package_of() { # table name
	for pair in $1; do
		[ "${pair%%:*}" = "$2" ] && { echo "${pair#*:}"; return 0; }
	done
	return 1
}

# found NAME CC: the linker of CC finds -lNAME (shared or static, as ld looks).
found() {
	for ext in so a; do
		case $($2 -print-file-name="lib$1.$ext") in /*) return 0 ;; esac
	done
	return 1
}

# golist GOOS FORMAT: go list over the desktop packages into $listed. It runs in this
# shell, not in a $(...) a loop reads, so a failing go list ends the script: a check
# that saw nothing must not pass.
golist() {
	listed=$(GOOS=$1 GOARCH=amd64 CGO_ENABLED=1 $GO list -deps -f "$2" $DESKTOP) || {
		echo "build/cdeps.sh: go list failed (above); cannot tell which C libraries the desktop programs need" >&2
		exit 1
	}
}

# lnames: the -l names in $listed.
lnames() { printf '%s\n' "$listed" | tr ' ' '\n' | sed -n 's/^-l//p' | sort -u; }

golist linux '{{join .CgoLDFLAGS " "}}'
linux_libs=$(lnames)
golist linux '{{join .CgoPkgConfig "\n"}}'
pcs=$(printf '%s\n' "$listed" | grep -v '^-' | grep . | sort -u || true)
[ -n "$linux_libs" ] || { echo "build/cdeps.sh: go list named no C library at all; something is wrong" >&2; exit 1; }
missing=""
unknown=""
for lib in $linux_libs; do
	pkg=$(package_of "$LIBS" "$lib") || { unknown="$unknown -l$lib"; continue; }
	found "$lib" gcc || missing="$missing $pkg"
done
for pc in $pcs; do
	pkg=$(package_of "$PKGCONFIG" "$pc") || { unknown="$unknown pkg-config:$pc"; continue; }
	pkg-config --exists "$pc" 2>/dev/null || missing="$missing $pkg"
done
if command -v x86_64-w64-mingw32-gcc >/dev/null 2>&1; then
	golist windows '{{join .CgoLDFLAGS " "}}'
	for lib in $(lnames); do
		found "$lib" x86_64-w64-mingw32-gcc || unknown="$unknown windows:-l$lib"
	done
else
	missing="$missing $WINDOWS_PKG"
fi

if [ -n "$unknown" ]; then
	echo "build/cdeps.sh: the desktop programs link$unknown, which no Debian package in build/cdeps.sh provides; add it there" >&2
	exit 1
fi
missing=$(echo "$missing" | tr ' ' '\n' | grep . | sort -u | tr '\n' ' ' || true)
[ -z "$missing" ] && exit 0
if [ "$check_only" = "--check" ]; then
	echo "build/cdeps.sh: missing packages for the desktop programs: $missing" >&2
	exit 1
fi
echo "installing for the desktop programs: $missing"
APT=apt-get
[ "$(id -u)" = 0 ] || APT="sudo apt-get"
$APT update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $APT install -y -qq $missing
exec "$0" --check
