package smart_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/hearth-home/hearth/server/api/schema"
	"github.com/hearth-home/hearth/server/health/smart"
)

func ptr[T any](v T) *T { return &v }

const (
	failing     = "The drive's own health check says it is failing. Move its files off now."
	incomplete  = "Some of the drive's health checks could not be run, so this verdict is incomplete."
	noData      = "The drive gave no SMART health data, so its health is unknown."
	realloc387  = "The drive reports 387 reallocated sectors: it is wearing out. Plan to replace it."
	realloc10   = "The drive reports 10 reallocated sectors: it is wearing out. Plan to replace it."
	pending10   = "The drive has 10 sectors it could not read, waiting to be swapped for spares: it may be failing. Plan to replace it."
	uncorrect10 = "The drive has 10 sectors it could not read or repair: some data on it may be lost. Plan to replace it."
)

// TestDecodeRecorded decodes real smartctl outputs (testdata/README.md says what each
// one is) and checks every field against what the file says.
func TestDecodeRecorded(t *testing.T) {
	tests := []struct {
		file string
		want smart.Report
	}{
		{"smart-ata.json", smart.Report{Device: "/dev/sdb", Model: "WDC WD140EDFZ-11A0VA0", Serial: "9RK1XXXX", Kind: "sat",
			Capacity: 14000519643136, PowerOnHours: 1730, Temperature: 32, Passed: ptr(true), State: schema.Good}},
		{"smart-ata2.json", smart.Report{Device: "/dev/sda", Model: "X SSD 850 PRO 128GB", Serial: "S24ZN902000L", Kind: "ata",
			Capacity: 128035676160, PowerOnHours: 846, Temperature: 32, Passed: ptr(true), State: schema.Good}},
		{"smart-ata-full.json", smart.Report{Device: "/dev/sda", Model: "Samsung SSD 860 EVO 500GB", Serial: "S3YZNB0KB00864E", Kind: "sat",
			Capacity: 500107862016, PowerOnHours: 14551, Temperature: 36, Passed: ptr(true), State: schema.Good}},
		{"smart-ata-date2.json", smart.Report{Device: "/dev/sdb", Model: "WDC WD140EDFZ-11A0VA0", Serial: "9RK1XXXX", Kind: "sat",
			Capacity: 14000519643136, PowerOnHours: 3030, Temperature: 62, Passed: ptr(true), State: schema.Warning,
			Problems: []string{realloc10, pending10, uncorrect10}}},
		// Scrutiny fails this disk on its own statistics of attribute 199 (cable CRC
		// errors); the drive and smartctl say it passed, and Hearth judges by those.
		{"smart-ata-failed-scrutiny.json", smart.Report{Device: "/dev/sda", Model: "Samsung SSD 840 Series", Serial: "S14LNEACC02756X", Kind: "sat",
			Capacity: 500107862016, PowerOnHours: 19497, Temperature: 33, Passed: ptr(true), State: schema.Good}},
		{"smart-fail.json", smart.Report{Device: "/dev/sda", State: schema.Unknown, Problems: []string{
			"The server could not open the drive to ask about its health."}}},
		{"smart-fail2.json", smart.Report{Device: "/dev/sdc", Model: "Hitachi HDS721050DLE630", Serial: "MSK423Y20S3HBC", Kind: "usbjmicron",
			Capacity: 500107862016, PowerOnHours: 65592, Temperature: 25, Passed: ptr(false), State: schema.Critical,
			Problems: []string{
				failing,
				"The drive's Reallocated Sector Ct reading is past the maker's failure limit: it is failing. Move its files off now.",
				"The drive reports 1975 reallocated sectors: it is wearing out. Plan to replace it.",
				"The drive has 8 sectors it could not read, waiting to be swapped for spares: it may be failing. Plan to replace it.",
				"The drive has recorded 56 errors in its error log. Make sure its files are duplicated.",
				"The drive failed 3 of its own self-tests. Plan to replace it.",
			}}},
		{"smart-megaraid0.json", smart.Report{Device: "/dev/sda", Model: "WD4000FYYX", Serial: "XXXXXXXXXXXX", Kind: "sat+megaraid,0",
			Capacity: 4000787030016, PowerOnHours: 37787, Temperature: 36, Passed: ptr(true), State: schema.Unknown,
			Problems: []string{incomplete}}},
		{"smart-megaraid1.json", smart.Report{Device: "/dev/sda", Model: "WD4000FYYX", Serial: "XXXXXXXXXXXX", Kind: "sat+megaraid,1",
			Capacity: 4000787030016, PowerOnHours: 37788, Temperature: 36, Passed: ptr(true), State: schema.Warning,
			Problems: []string{realloc387, incomplete}}},
		{"smart-nvme.json", smart.Report{Device: "/dev/testfoobarpass", Model: "INTEL SSDPEKNW010T8", Serial: "BTNH93710FS91P0B", Kind: "nvme",
			Capacity: 1024209543168, PowerOnHours: 2401, Temperature: 36, Passed: ptr(true), State: schema.Good}},
		{"smart-nvme2.json", smart.Report{Device: "/dev/nvme0", Model: "Force MP510", Serial: "yes", Kind: "nvme",
			Capacity: 480103981056, PowerOnHours: 6487, Temperature: 38, Passed: ptr(true), State: schema.Good}},
		{"smart-nvme-failed.json", smart.Report{Device: "/dev/nvme0", Model: "Samsung SSD 970 EVO 500GB", Serial: "S466NX0M776250H", Kind: "nvme",
			Capacity: 500107862016, PowerOnHours: 12798, Temperature: 35, Passed: ptr(true), State: schema.Warning,
			Problems: []string{"The drive has had 7 media errors (data it could not read back correctly): it may be wearing out. Make sure its files are duplicated."}}},
		{"smart-pass.json", smart.Report{Device: "/dev/sdc", Kind: "sat", Passed: ptr(true), State: schema.Good}},
		{"smart-raid.json", smart.Report{Device: "/dev/sdb", Model: "Intel Raid 1 Volume", Serial: "Volume1", Kind: "scsi",
			Capacity: 1000202043392, State: schema.Unknown, Problems: []string{noData}}},
		{"smart-sat.json", smart.Report{Device: "/dev/sdc", Kind: "sat", Temperature: 29, State: schema.Good}},
		{"smart-scsi.json", smart.Report{Device: "/dev/sdg", Model: "SEAGATE ST4000NM0043", Serial: "Z1Z5DWJK0000XXXXXXXX", Kind: "scsi",
			Capacity: 4000787030016, PowerOnHours: 43549, Temperature: 34, Passed: ptr(true), State: schema.Warning,
			Problems: []string{"The drive reports 56 bad blocks found since it was made: it is wearing out. Plan to replace it."}}},
		{"smart-scsi2.json", smart.Report{Device: "/dev/sdb", Model: "SEAGATE ST1200MM0088", Serial: "Z4028VRY0000C810BZXB", Kind: "scsi",
			Capacity: 1200243695616, PowerOnHours: 5675, Temperature: 31, Passed: ptr(true), State: schema.Good}},
		{"synth-standby.json", smart.Report{Device: "/dev/sdb", Kind: "sat", State: schema.Unknown, Asleep: true,
			Problems: []string{"The drive is asleep; it was left to sleep and will be checked later."}}},
		{"local-unknown-type.json", smart.Report{Device: "/dev/vda", State: schema.Unknown,
			Problems: []string{"The server could not ask the drive about its health."}}},
		{"local-eacces.json", smart.Report{Device: "/dev/vda", State: schema.Unknown,
			Problems: []string{"The server could not open the drive to ask about its health."}}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			got, err := smart.Decode(readFile(t, tc.file))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("Decode(%s) (-want +got):\n%s", tc.file, diff)
			}
		})
	}
}

func readFile(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}
