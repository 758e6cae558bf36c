package wechatpay

import (
	"bytes"
	"crypto/hmac"
	"crypto/md5"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
)

// The v2 signature types.
const (
	SignMD5        = "MD5"
	SignHMACSHA256 = "HMAC-SHA256"
)

// Sign is WeChat Pay's v2 signature of params: the non-empty parameters
// but sign, sorted by name, joined as k=v with &, then &key=<API key>;
// MD5 or HMAC-SHA256 (keyed with the API key) in upper-case hex. For
// HMAC-SHA256 the sign_type parameter is itself signed.
func Sign(params map[string]string, apiKey, signType string) string {
	keys := make([]string, 0, len(params))
	for k, v := range params {
		if k != "sign" && v != "" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		b.WriteString(k + "=" + params[k] + "&")
	}
	b.WriteString("key=" + apiKey)
	var sum []byte
	if signType == SignHMACSHA256 {
		h := hmac.New(sha256.New, []byte(apiKey))
		h.Write([]byte(b.String()))
		sum = h.Sum(nil)
	} else {
		s := md5.Sum([]byte(b.String()))
		sum = s[:]
	}
	return strings.ToUpper(hex.EncodeToString(sum))
}

// verify checks params' sign over every field received (not only the
// fields a struct knows), with the sign_type they name.
func verify(params map[string]string, apiKey string) bool {
	st := params["sign_type"]
	if st == "" {
		st = SignMD5
	}
	if st != SignMD5 && st != SignHMACSHA256 {
		return false
	}
	got := strings.ToUpper(params["sign"])
	want := Sign(params, apiKey, st)
	return got != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

var errXML = errors.New("wechatpay: not a WeChat Pay XML document")

// parseXML reads a flat <xml><k>v</k>…</xml> document into a map,
// refusing DOCTYPEs and every other directive (no entity expansion, no
// external entities), processing instructions and nesting.
func parseXML(body []byte) (map[string]string, error) {
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	out := map[string]string{}
	depth := 0
	var key string
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", errXML, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, fmt.Errorf("%w: a DOCTYPE or other directive is refused", errXML)
		case xml.ProcInst:
			if t.Target != "xml" {
				return nil, fmt.Errorf("%w: processing instruction refused", errXML)
			}
		case xml.StartElement:
			depth++
			switch depth {
			case 1:
				if t.Name.Local != "xml" && t.Name.Local != "root" {
					return nil, errXML
				}
			case 2:
				key = t.Name.Local
				text.Reset()
			default:
				return nil, fmt.Errorf("%w: nested elements", errXML)
			}
		case xml.CharData:
			if depth == 2 {
				text.Write(t)
			}
		case xml.EndElement:
			if depth == 2 {
				if _, dup := out[key]; dup {
					return nil, fmt.Errorf("%w: %s twice", errXML, key)
				}
				out[key] = text.String()
			}
			depth--
		}
	}
	if len(out) == 0 {
		return nil, errXML
	}
	return out, nil
}

// encodeXML writes params as WeChat Pay's request XML, values in CDATA.
func encodeXML(params map[string]string) []byte {
	keys := make([]string, 0, len(params))
	for k := range params {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b bytes.Buffer
	b.WriteString("<xml>")
	for _, k := range keys {
		b.WriteString("<" + k + ">")
		xml.EscapeText(&b, []byte(params[k]))
		b.WriteString("</" + k + ">")
	}
	b.WriteString("</xml>")
	return b.Bytes()
}
