package discovery

import (
	"strconv"
	"strings"
)

const (
	serviceType = "_hearth._tcp.local."
	davType     = "_webdavs._tcp.local."
	enumType    = "_services._dns-sd._udp.local."
	ttl         = 120
)

// escapeLabel writes a friendly name as one DNS label in presentation form.
func escapeLabel(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '.' || c == '\\' || c == '"' || c == '(' || c == ')' || c == ';' || c == '@' || c == '$' || c == ' ':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c < 0x20 || c == 0x7f:
			b.WriteString("\\" + pad3(int(c)))
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func pad3(n int) string {
	s := strconv.Itoa(n)
	return strings.Repeat("0", 3-len(s)) + s
}

// firstLabel returns the first label of a name in presentation form, unescaped, and
// the rest of the name.
func firstLabel(name string) (string, string) {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		switch {
		case c == '\\' && i+3 < len(name) && isDigit(name[i+1]) && isDigit(name[i+2]) && isDigit(name[i+3]):
			n, _ := strconv.Atoi(name[i+1 : i+4])
			b.WriteByte(byte(n))
			i += 3
		case c == '\\' && i+1 < len(name):
			b.WriteByte(name[i+1])
			i++
		case c == '.':
			return b.String(), name[i+1:]
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), ""
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// instanceOf returns the friendly name of an instance of service type t, if name is one.
func instanceOf(name, t string) (string, bool) {
	label, rest := firstLabel(name)
	return label, strings.EqualFold(rest, t) && label != ""
}

// canon is a name in one form for comparing: labels unescaped, lower case. miekg/dns
// writes names it unpacks with its own escapes (\195\188 for ü), so names are never
// compared as written.
func canon(name string) string {
	var labels []string
	for rest := name; rest != ""; {
		var l string
		l, rest = firstLabel(rest)
		labels = append(labels, strings.ToLower(l))
	}
	return strings.Join(labels, ".")
}
