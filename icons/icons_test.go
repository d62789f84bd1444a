package icons

import (
	"bytes"
	"encoding/binary"
	"image/png"
	"testing"
)

// TestIcons: every state has a PNG and an ICO holding the same 64×64 house, whose walls
// are a colour of their own and whose door is see-through.
func TestIcons(t *testing.T) {
	walls := map[uint32]string{}
	for _, s := range States() {
		p, err := PNG(s)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(p))
		if err != nil || img.Bounds().Dx() != 64 || img.Bounds().Dy() != 64 {
			t.Fatalf("%s.png: %v %v", s, img.Bounds(), err)
		}
		r, g, b, a := img.At(16, 40).RGBA()
		if a != 0xffff {
			t.Errorf("%s: the wall is not solid", s)
		}
		if _, _, _, a := img.At(32, 56).RGBA(); a != 0 {
			t.Errorf("%s: the door is not see-through", s)
		}
		if _, _, _, a := img.At(2, 2).RGBA(); a != 0 {
			t.Errorf("%s: the corner is not see-through", s)
		}
		key := r>>8<<16 | g>>8<<8 | b>>8
		if other, ok := walls[key]; ok {
			t.Errorf("%s has the colour of %s", s, other)
		}
		walls[key] = s

		ico, err := ICO(s)
		if err != nil {
			t.Fatal(err)
		}
		if len(ico) < 22 || binary.LittleEndian.Uint16(ico[2:]) != 1 || binary.LittleEndian.Uint16(ico[4:]) != 1 ||
			int(binary.LittleEndian.Uint32(ico[14:])) != len(p) || int(binary.LittleEndian.Uint32(ico[18:])) != 22 || !bytes.Equal(ico[22:], p) {
			t.Errorf("%s.ico is not one 64×64 PNG icon", s)
		}
	}
}
