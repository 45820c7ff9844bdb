package tlsconfig

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseProperties(t *testing.T) {
	text := "\uFEFF# a comment\r\n" +
		"! another comment\n" +
		"   \n" +
		"tls.client.keyPath=/etc/rocketmq/client.key\n" +
		"tls.client.certPath : /etc/rocketmq/client.pem\r" +
		"tls.client.trustCertPath   /etc/rocketmq/ca.pem\n" +
		"  tls.client.authServer = false # not a comment in Java\n" +
		"tls.client.keyPassword=pa#ss=word!\n" +
		"multi=one, \\\n" +
		"      two, \\\n" +
		"      three\n" +
		"escaped\\ key\\=x = tab\\there\\nnl \\u00e9\\uD83D\\uDE00 back\\\\slash \\q\n" +
		"empty=\n" +
		"justkey\n" +
		"# comment ending in a backslash does not continue \\\n" +
		"after=comment\n" +
		"dup=1\n" +
		"dup=2\n" +
		"trailing=kept   \n" +
		"utf8=/opt/certs/é.pem\n" +
		"lastcont=a\\"
	props, err := ParseProperties(text)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{
		"tls.client.keyPath":       "/etc/rocketmq/client.key",
		"tls.client.certPath":      "/etc/rocketmq/client.pem",
		"tls.client.trustCertPath": "/etc/rocketmq/ca.pem",
		"tls.client.authServer":    "false # not a comment in Java",
		"tls.client.keyPassword":   "pa#ss=word!",
		"multi":                    "one, two, three",
		"escaped key=x":            "tab\there\nnl é😀 back\\slash q",
		"empty":                    "",
		"justkey":                  "",
		"after":                    "comment",
		"dup":                      "2",
		"trailing":                 "kept   ",
		"utf8":                     "/opt/certs/é.pem",
		"lastcont":                 "a",
	}, props)
}

func TestParsePropertiesErrors(t *testing.T) {
	for _, bad := range []string{"k=\\u12", "k=\\uzzzz", "\\u00=v"} {
		_, err := ParseProperties("ok=1\n" + bad + "\n")
		assert.ErrorContains(t, err, "line 2", bad)
	}
}

func FuzzParseProperties(f *testing.F) {
	f.Add("a=b\nc : d\\\n e\n#x\n\\u0041=\\u00e9")
	f.Add("k\\")
	f.Add("\\uD83D\\uDE00=\\uD83D")
	f.Fuzz(func(t *testing.T, s string) {
		_, _ = ParseProperties(s) // must not panic
	})
}
