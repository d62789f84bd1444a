#!/bin/sh
# Runs as root inside the test's virtual machine, under a real systemd: installs the
# server's package, uses it, installs it again (as an upgrade does), removes it,
# installs it once more and purges it, printing "key value" lines for the test.
deb=$(ls /payload/hearthd_*_amd64.deb)
say() { echo "$1 $2"; }
state() {
	say "$1.enabled" "$(systemctl is-enabled hearthd 2>/dev/null)"
	say "$1.active" "$(systemctl is-active hearthd 2>/dev/null)"
	say "$1.pid" "$(systemctl show -p MainPID --value hearthd)"
}
# Until the server answers on its socket, an admin command run as root would open
# the catalog itself.
answers() {
	for i in $(seq 1 60); do
		[ -S /var/lib/hearth/hearthd.sock ] && timeout 20 hearthd status >/dev/null 2>&1 && return 0
		sleep 1
	done
	return 1
}
# What the last step printed goes to the log, for a failure's message.
log() { sed "s/^/log $1: /" /tmp/out; }

dpkg -i "$deb" >/tmp/out 2>&1; say install.rc $?; log install
grep -q 'setup?token=' /tmp/out && say install.link yes
state install
say user "$(id -un hearth 2>/dev/null)"
say statedir "$(stat -c '%U:%G:%a' /var/lib/hearth)"
answers && say install.answers yes

mkdir -p /mnt/disk2 && chown hearth: /mnt/disk2
hearthd drive add /mnt/disk2 --label Second >/tmp/out 2>&1; say driveadd.rc $?; log driveadd
head -c 300000 /dev/urandom >/root/pic.jpg
{ hearthd share add Photos && hearthd file put /root/pic.jpg Photos/pic.jpg && hearthd file ls Photos; } >/tmp/out 2>&1
say put.rc $?; log put
grep -q '2 of 2 copies' /tmp/out && say put.copies 2
got() { rm -f /root/back.jpg; hearthd file get Photos/pic.jpg /root/back.jpg >/dev/null 2>&1 && cmp -s /root/pic.jpg /root/back.jpg && echo same || echo different; }

dpkg -i "$deb" >/tmp/out 2>&1; say upgrade.rc $?; log upgrade
state upgrade
answers && say upgrade.file "$(got)"

systemctl stop hearthd
dpkg -i "$deb" >/tmp/out 2>&1; say stopped.rc $?; log stopped
state stopped

systemctl start hearthd && answers
dpkg -r hearthd >/tmp/out 2>&1; say remove.rc $?; log remove
state remove
[ -e /var/lib/hearth/.reenable ] && say remove.marker yes
[ -e /usr/bin/hearthd ] || say remove.program gone

dpkg -i "$deb" >/tmp/out 2>&1; say reinstall.rc $?; log reinstall
state reinstall
answers && say reinstall.file "$(got)"

dpkg -P hearthd >/tmp/out 2>&1; say purge.rc $?; log purge
state purge
[ -e /usr/bin/hearthd ] || say purge.program gone
[ -d /var/lib/hearth/drives ] && say purge.state kept
[ -d /mnt/disk2/.hearth ] && say purge.disk kept

journalctl -u hearthd --no-pager -n 30 | sed 's/^/log journal: /'
say done yes
