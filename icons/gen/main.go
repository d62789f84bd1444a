// Command gen draws the tray icons: a house in the colour of each state, as PNG (Linux,
// macOS) and ICO (Windows), and the green one as the macOS application's ICNS. Run by go generate in icons/; the output is committed.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
)

// size is the icon's side in pixels: trays scale down from it.
const size = 64

// states and their colours.
var states = []struct {
	name string
	c    color.NRGBA
}{
	{"good", color.NRGBA{0x2e, 0x9d, 0x4f, 0xff}},
	{"warning", color.NRGBA{0xe8, 0xa2, 0x00, 0xff}},
	{"critical", color.NRGBA{0xd9, 0x30, 0x25, 0xff}},
	{"offline", color.NRGBA{0x8a, 0x8a, 0x8a, 0xff}},
	{"busy", color.NRGBA{0x1a, 0x73, 0xe8, 0xff}},
}

func main() {
	for _, s := range states {
		var b bytes.Buffer
		if err := png.Encode(&b, house(s.c)); err != nil {
			fail(err)
		}
		write(s.name+".png", b.Bytes())
		write(s.name+".ico", ico(b.Bytes()))
		if s.name == "good" { // the macOS application's icon
			write("hearth.icns", icns(b.Bytes()))
		}
	}
}

// house draws a house: a roof, walls and a door cut out, smoothed by sampling each pixel
// 4×4 times.
func house(c color.NRGBA) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const n = 4
	for y := range size {
		for x := range size {
			hits := 0
			for sy := range n {
				for sx := range n {
					if inHouse((float64(x)+(float64(sx)+0.5)/n)/size, (float64(y)+(float64(sy)+0.5)/n)/size) {
						hits++
					}
				}
			}
			if hits > 0 {
				img.SetNRGBA(x, y, color.NRGBA{c.R, c.G, c.B, uint8(hits * 255 / (n * n))})
			}
		}
	}
	return img
}

// inHouse says whether the point (x, y), in units of the icon's side, is on the house.
func inHouse(x, y float64) bool {
	roof := y >= 0.06 && y <= 0.50 && absf(x-0.5) <= (y-0.06)*1.05 // a triangle from the apex down
	walls := y >= 0.46 && y <= 0.94 && x >= 0.18 && x <= 0.82
	door := y >= 0.64 && y <= 0.94 && x >= 0.42 && x <= 0.58
	return (roof || walls) && !door
}

func absf(f float64) float64 {
	if f < 0 {
		return -f
	}
	return f
}

// ico wraps a PNG in an ICO file: Windows Vista and later read PNG-compressed icons.
func ico(pngData []byte) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	le(uint16(0))                     // reserved
	le(uint16(1))                     // type: icon
	le(uint16(1))                     // one image
	b.Write([]byte{size, size, 0, 0}) // width, height, no palette, reserved
	le(uint16(1))                     // colour planes
	le(uint16(32))                    // bits per pixel
	le(uint32(len(pngData)))
	le(uint32(6 + 16)) // the image follows the header and the one directory entry
	b.Write(pngData)
	return b.Bytes()
}

// icns wraps a 64×64 PNG in an Apple icon file: one "icp6" entry (64×64, PNG).
func icns(pngData []byte) []byte {
	var b bytes.Buffer
	be := func(v any) { binary.Write(&b, binary.BigEndian, v) }
	b.WriteString("icns")
	be(uint32(8 + 8 + len(pngData))) // the file: its header and one entry
	b.WriteString("icp6")
	be(uint32(8 + len(pngData))) // the entry: its header and the image
	b.Write(pngData)
	return b.Bytes()
}

func write(name string, data []byte) {
	if err := os.WriteFile(name, data, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "gen:", err)
	os.Exit(1)
}
