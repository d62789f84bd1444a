package console_test

import "github.com/hearth-home/hearth/server/pool"

type poolDrive = pool.DriveInfo
