# Hearth: the two commands are `make run` and `make test`.

GO        ?= go
BIN       := bin
STATE     ?=
DRIVE     ?=
# Debian packages the tests need. Each is checked by a command it provides.
TEST_DEBS := util-linux:mount litmus:litmus rclone:rclone cadaver:cadaver bsdutils:script iproute2:ip ca-certificates:update-ca-certificates openssl:openssl avahi-daemon:avahi-daemon avahi-utils:avahi-browse dbus:dbus-daemon smartmontools:smartctl python3-prometheus-client:/usr/lib/python3/dist-packages/prometheus_client/parser.py \
	pkgconf:pkg-config libgtk-3-dev:/usr/include/gtk-3.0/gtk/gtk.h \
	libayatana-appindicator3-dev:/usr/include/libayatana-appindicator3-0.1/libayatana-appindicator/app-indicator.h \
	xvfb:Xvfb haskell-gtk-sni-tray-utils:gtk-sni-tray-standalone dbus-bin:dbus-send imagemagick:import xdotool:xdotool tesseract-ocr:tesseract \
	dunst:dunst libnotify-bin:notify-send lintian:lintian desktop-file-utils:desktop-file-validate \
	nsis:makensis gcc-mingw-w64-x86-64:x86_64-w64-mingw32-gcc p7zip-full:7z osslsigncode:osslsigncode zip:zip unzip:unzip chromium:chromium \
	gir1.2-gssdp-1.6:/usr/lib/x86_64-linux-gnu/girepository-1.0/GSSDP-1.6.typelib python3-gi:/usr/lib/python3/dist-packages/gi/__init__.py \
	libnet-upnp-perl:/usr/share/doc/libnet-upnp-perl/examples/upnpavdump.pl ffmpegthumbnailer:ffmpegthumbnailer
# Wine runs the Windows installer and connector; QEMU boots a Debian made by debootstrap
# to install the server's package under systemd; qemu-user runs the arm64 server. Without their recommends (32-bit Wine,
# fonts, firmware), which the tests do not need.
TEST_DEBS_LEAN := wine64:/usr/lib/wine/wine64 qemu-system-x86:qemu-system-x86_64 qemu-user:qemu-aarch64 debootstrap:debootstrap e2fsprogs:mke2fs
# and what make bench compares against.
BENCH_DEBS := apache2:apache2 rclone:rclone restic:restic borgbackup:borg time:/usr/bin/time minidlna:minidlnad
APT       := $(if $(filter 0,$(shell id -u)),,sudo) apt-get

.PHONY: run build desktop test deps bench-deps debs lint bench bench-scale acceptance clean installers installers-test windows-installer mac-apps

## run: build hearthd and start it on its embedded defaults (STATE=dir and DRIVE=dir override)
run: build
	$(BIN)/hearthd run $(if $(STATE),-state $(STATE)) $(if $(DRIVE),-drive $(DRIVE)) $(if $(wildcard $(DIST)/hearth_*.deb),-connectors $(abspath $(DIST)))

build:
	CGO_ENABLED=0 $(GO) build -o $(BIN)/hearthd ./server
	$(GO) build -o $(BIN)/hearth ./client

## desktop: the tray icon and the console window (cgo: GTK, ayatana-appindicator, GL; make deps)
desktop: deps
	$(GO) build -o $(BIN)/hearth-tray ./client/tray
	$(GO) build -o $(BIN)/hearth-console ./client/console

# Packages: nfpm pinned (its newer releases need a module the proxy here refuses).
NFPM    := $(GO) run github.com/goreleaser/nfpm/v2/cmd/nfpm@v2.44.0
VERSION ?= 0.1.0~git$(shell git log -1 --format=%cd.%h --date=format:%Y%m%d 2>/dev/null || echo 0)
LDFLAGS := -s -w -X github.com/hearth-home/hearth/server/cli.Version=$(VERSION)
DIST    := dist

## installers: the server's .deb (amd64, arm64), the connector's .deb and its Windows installer into dist/
installers: deps
	rm -rf $(DIST)
	mkdir -p $(DIST) $(BIN)/pkg
	gzip -9n < installer/linux/changelog > $(BIN)/pkg/changelog.gz
	$(GO) build -trimpath -buildmode=pie -ldflags "-s -w" -o $(BIN)/pkg/hearth ./client
	$(GO) build -trimpath -buildmode=pie -ldflags "-s -w" -o $(BIN)/pkg/hearth-tray ./client/tray
	$(GO) build -trimpath -buildmode=pie -ldflags "-s -w" -o $(BIN)/pkg/hearth-console ./client/console
	ARCH=amd64 VERSION=$(VERSION) $(NFPM) pkg -f installer/hearth.nfpm.yaml -p deb -t $(DIST)/
	@$(MAKE) --no-print-directory windows-installer mac-apps
	# The server's package carries the connector's installers, which its web console
	# offers on Get the connector (/usr/share/hearth/connector).
	rm -rf $(BIN)/pkg/connector && mkdir -p $(BIN)/pkg/connector
	cp $(DIST)/hearth_*_amd64.deb $(DIST)/hearth-setup-*.exe $(DIST)/Hearth-macos-*.zip $(BIN)/pkg/connector/
	chmod 0644 $(BIN)/pkg/connector/*
	for arch in amd64 arm64; do \
		CGO_ENABLED=0 GOOS=linux GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o $(BIN)/pkg/hearthd ./server && \
		ARCH=$$arch VERSION=$(VERSION) $(NFPM) pkg -f installer/hearthd.nfpm.yaml -p deb -t $(DIST)/ || exit 1; \
	done

# The macOS connector: Hearth.app, a menu-bar app, zipped for each architecture. The
# tray and the console use cgo with Apple's frameworks: only on a Mac are they built
# into the bundle; elsewhere it holds the hearth command (agent, join, backup) alone.
MAC := $(BIN)/macos
mac-apps:
	mkdir -p $(DIST)
	for arch in arm64 amd64; do \
		app=$(MAC)/$$arch/Hearth.app; rm -rf $$app; \
		mkdir -p $$app/Contents/MacOS $$app/Contents/Resources || exit 1; \
		CGO_ENABLED=0 GOOS=darwin GOARCH=$$arch $(GO) build -trimpath -ldflags "-s -w" -o $$app/Contents/MacOS/hearth ./client || exit 1; \
		if [ "$$(uname)" = Darwin ]; then \
			GOARCH=$$arch CGO_ENABLED=1 $(GO) build -trimpath -o $$app/Contents/MacOS/hearth-tray ./client/tray && \
			GOARCH=$$arch CGO_ENABLED=1 $(GO) build -trimpath -o $$app/Contents/MacOS/hearth-console ./client/console || exit 1; \
		fi; \
		sed 's/@VERSION@/$(VERSION)/g; s/@NUMBER@/$(firstword $(subst ~, ,$(VERSION)))/g' installer/macos/Info.plist > $$app/Contents/Info.plist && \
		cp icons/hearth.icns $$app/Contents/Resources/ && \
		zip=$(abspath $(DIST))/Hearth-macos-$$arch-$(VERSION)$$([ "$$(uname)" = Darwin ] || echo -cli-only).zip; \
		(cd $(MAC)/$$arch && rm -f $$zip && zip -qr -X $$zip Hearth.app) || exit 1; \
	done

# The Windows connector: pure Go but for the console (cgo, mingw-w64); signed with
# osslsigncode when SIGN_CERT and SIGN_KEY (PEM files) are given.
WIN := $(BIN)/windows
windows-installer:
	mkdir -p $(WIN) $(DIST)
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w" -o $(WIN)/hearth.exe ./client
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w -H=windowsgui" -o $(WIN)/hearthw.exe ./client
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -trimpath -ldflags "-s -w -H=windowsgui" -o $(WIN)/hearth-tray.exe ./client/tray
	CGO_ENABLED=1 GOOS=windows GOARCH=amd64 CC=x86_64-w64-mingw32-gcc $(GO) build -trimpath -ldflags "-s -w -H=windowsgui" -o $(WIN)/hearth-console.exe ./client/console
	cp icons/good.ico $(WIN)/hearth.ico
	$(if $(SIGN_CERT),for f in $(WIN)/*.exe; do osslsigncode sign -certs $(SIGN_CERT) -key $(SIGN_KEY) -n Hearth -h sha256 -in $$f -out $$f.signed && mv $$f.signed $$f || exit 1; done)
	makensis -V2 -DVERSION=$(VERSION) -DBIN=$(abspath $(WIN)) -DOUT=$(abspath $(DIST))/hearth-setup-$(VERSION).exe installer/windows/hearth.nsi
	$(if $(SIGN_CERT),osslsigncode sign -certs $(SIGN_CERT) -key $(SIGN_KEY) -n Hearth -h sha256 -in $(DIST)/hearth-setup-$(VERSION).exe -out $(DIST)/hearth-setup.signed && mv $(DIST)/hearth-setup.signed $(DIST)/hearth-setup-$(VERSION).exe)

## installers-test: build the installers and check them (lintian, dpkg --root, systemd-analyze, the server's package on a booted Debian, the Windows installer signed and run in Wine)
# The Windows programs are signed with a throwaway certificate, so signing is checked too.
TESTSIGN := $(BIN)/testsign
installers-test: deps
	mkdir -p $(TESTSIGN)
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=Hearth test signing" \
		-addext "extendedKeyUsage=codeSigning" -keyout $(TESTSIGN)/key.pem -out $(TESTSIGN)/cert.pem 2>/dev/null
	@$(MAKE) --no-print-directory installers SIGN_CERT=$(TESTSIGN)/cert.pem SIGN_KEY=$(TESTSIGN)/key.pem
	HEARTH_DIST=$(abspath $(DIST)) HEARTH_SIGN_CERT=$(abspath $(TESTSIGN))/cert.pem HEARTH_TEST_NO_SKIP=1 $(GO) test -count=1 ./installer

## deps: install what the tests need (idempotent; apt as root)
deps:
	@$(MAKE) --no-print-directory debs DEBS="$(TEST_DEBS)"
	@$(MAKE) --no-print-directory debs DEBS="$(TEST_DEBS_LEAN)" APTFLAGS=--no-install-recommends
	@$(GO) version >/dev/null
	@GO=$(GO) build/cdeps.sh
	@$(MAKE) --no-print-directory $(BIN)/versitygw

# versitygw, the S3 server the backup tests run on loopback, from its own tools-only
# module (tools/versitygw: its AWS SDK and cloud backends stay out of Hearth's go.mod).
# Built once, about 3 minutes here; make rebuilds it only when the pinned version changes.
$(BIN)/versitygw: tools/versitygw/go.mod tools/versitygw/go.sum
	@echo "building versitygw (a test tool; once)"
	cd tools/versitygw && CGO_ENABLED=0 $(GO) build -trimpath -o $(abspath $(BIN))/versitygw github.com/versity/versitygw/cmd/versitygw

bench-deps:
	@$(MAKE) --no-print-directory debs DEBS="$(BENCH_DEBS)"

debs:
	@missing=""; for pair in $(DEBS); do pkg=$${pair%%:*}; cmd=$${pair#*:}; \
		command -v $$cmd >/dev/null 2>&1 || [ -f $$cmd ] || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		$(APT) update -qq && DEBIAN_FRONTEND=noninteractive $(APT) install -y -qq $(APTFLAGS) $$missing; \
	fi

# The desktop tests build and run GUI programs on a virtual display; they run after the
# rest, so their load does not disturb the pool's tests of timeouts and hung drives.
DESKTOP_PKGS := ./client/tray ./client/console

## test: everything, with skips for missing tools turned into failures
test: deps lint
	HEARTH_TEST_NO_SKIP=1 HEARTH_SCREENSHOTS=$(CURDIR)/build/screenshots $(GO) test -count=1 -timeout 30m $$($(GO) list ./... | grep -v -e /client/tray -e /client/console -e /installer)
	mkdir -p build/screenshots
	HEARTH_TEST_NO_SKIP=1 $(GO) test -count=1 -timeout 10m -artifacts -outputdir $(CURDIR)/build/screenshots $(DESKTOP_PKGS)
	@$(MAKE) --no-print-directory installers-test

lint:
	@test -z "$$(gofmt -l .)" || { echo "gofmt needed:"; gofmt -l .; exit 1; }
	$(GO) vet ./...
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -o /dev/null ./server
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -o /dev/null ./server
	CGO_ENABLED=0 GOOS=windows GOARCH=amd64 $(GO) build -o /dev/null ./client ./client/tray ./backup/...
	CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 $(GO) build -o /dev/null ./client ./backup/...

## acceptance: issue 19's "done when", too big for make test: a 10 GiB upload from the Files page in Chromium through two drops (HEARTH_ACCEPT_BYTES for another size; needs about 3 times the size free in the temporary folder)
acceptance: deps
	HEARTH_TEST_NO_SKIP=1 $(GO) test -tags acceptance -timeout 2h -count=1 -run TestTenGiBThroughTwoDrops -v ./server/console

## bench: Go benchmarks and the side-by-side comparisons, with ratios
bench: bench-deps
	./bench/run.sh

## bench-scale: the pool at a million files beside find and cat (SCALE_N, SCALE_HAND_N to resize;
## about 6 GB free in /var/tmp for the default sizes, all removed afterwards)
SCALE_N      ?= 1000000
SCALE_HAND_N ?= 100000
bench-scale:
	@mkdir -p bench-out
	@stamp=$$(date +%Y%m%d-%H%M%S); HEARTH_BENCH_SUMMARY="$$PWD/bench-out/scale-summary-$$stamp.jsonl"; export HEARTH_BENCH_SUMMARY; \
	$(GO) run ./bench/scalebench -n $(SCALE_N) -hand-n $(SCALE_HAND_N) | tee "bench-out/scale-$$stamp.md" && \
	$(GO) run ./bench/summary "$$HEARTH_BENCH_SUMMARY" | tee "bench-out/scale-summary-$$stamp.md"

clean:
	rm -rf $(BIN) bench-out $(DIST)
