package catalogfeed

import (
	"bufio"
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// googleNS is the namespace of Google Merchant Center's g: fields.
const googleNS = "http://base.google.com/ns/1.0"

// atomNS is Atom's namespace, whose <title> and <summary> an Atom feed's
// entries may use instead of g:title and g:description.
const atomNS = "http://www.w3.org/2005/Atom"

// readGoogleMerchant reads Google Merchant Center product data: XML when
// the feed starts with "<", tab-separated otherwise.
func readGoogleMerchant(r io.Reader, b *builder) error {
	br := bufio.NewReader(r)
	if startsWith(br, '<') {
		return readGoogleXML(br, b)
	}
	return readDelimited(br, b, '\t', googleAliases, false)
}

// startsWith reports whether the first byte after a byte order mark and
// white space is c.
func startsWith(br *bufio.Reader, c byte) bool {
	head, _ := br.Peek(512)
	head = bytes.TrimLeft(bytes.TrimPrefix(head, []byte("\ufeff")), " \t\r\n")
	return len(head) > 0 && head[0] == c
}

// readGoogleXML reads an RSS 2.0 or Atom feed: each <item> or <entry> is a
// product, each of its child elements a field. Positions are those of the
// elements' start tags.
func readGoogleXML(r io.Reader, b *builder) error {
	d := xml.NewDecoder(r)
	d.Entity = xml.HTMLEntity // "&eacute;" and "&nbsp;" are common in descriptions
	d.CharsetReader = charsetReader
	var (
		rec     *record
		depth   int    // element depth inside the current product
		field   string // the child element being read
		fieldNS string
		text    strings.Builder
		at      cell
		nested  bool // the child has elements of its own (g:shipping)
		items   int
	)
	for {
		line, col := d.InputPos()
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return xmlProblem(b.o.Name, err, line, col)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch {
			case rec == nil:
				if t.Name.Local == "item" || t.Name.Local == "entry" {
					rec, depth = newRecord(line, col), 0
					items++
				}
			case depth == 0:
				depth = 1
				field, fieldNS, nested = t.Name.Local, t.Name.Space, false
				text.Reset()
				at = cell{line: line, col: col, label: xmlLabel(t.Name)}
			default:
				depth++
				nested = true
			}
		case xml.CharData:
			if rec != nil && depth == 1 {
				text.Write(t)
			}
		case xml.EndElement:
			switch {
			case rec == nil:
			case depth == 0:
				fallback(rec)
				b.add(rec)
				rec = nil
			case depth == 1:
				if !nested {
					at.text = strings.TrimSpace(text.String())
					setGoogleField(rec, field, fieldNS, at)
				}
				depth = 0
			default:
				depth--
			}
		}
	}
	if items == 0 {
		return &Problem{Name: b.o.Name, Message: "the XML feed has no <item> (RSS 2.0) or <entry> (Atom) elements"}
	}
	return nil
}

// setGoogleField records one child element of a product.
func setGoogleField(rec *record, local, space string, c cell) {
	if space != "" && space != googleNS && space != atomNS {
		return // another vocabulary's extension
	}
	n := normaliseHeader(local)
	if f, ok := googleAliases[n]; ok {
		rec.set(f, c)
		return
	}
	switch {
	case n == "summary" || n == "content":
		rec.set("description", c)
	case attrFields[n]:
		rec.attr(n, c)
	}
}

// xmlLabel names an element as the feed writes it: "g:price" for Google's
// namespace.
func xmlLabel(n xml.Name) string {
	if n.Space == googleNS {
		return "g:" + n.Local
	}
	return n.Local
}

// xmlProblem turns encoding/xml's error into a Problem with a position.
func xmlProblem(name string, err error, line, col int) *Problem {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return &Problem{Name: name, Line: se.Line, Col: 1, Message: "invalid XML: " + se.Msg}
	}
	return &Problem{Name: name, Line: line, Col: col, Message: fmt.Sprintf("invalid XML: %v", err)}
}

// charsetReader decodes the one legacy encoding feeds still declare,
// ISO-8859-1 (Latin-1); UTF-8 needs none.
func charsetReader(charset string, input io.Reader) (io.Reader, error) {
	switch strings.ToLower(charset) {
	case "iso-8859-1", "latin1", "latin-1", "iso8859-1":
		return &latin1Reader{r: bufio.NewReader(input)}, nil
	}
	return nil, fmt.Errorf("the encoding %q is not supported; save the feed as UTF-8", charset)
}

// latin1Reader turns ISO-8859-1 bytes into UTF-8.
type latin1Reader struct {
	r   *bufio.Reader
	buf []byte
}

func (l *latin1Reader) Read(p []byte) (int, error) {
	for len(l.buf) < len(p) {
		c, err := l.r.ReadByte()
		if err != nil {
			if len(l.buf) == 0 {
				return 0, err
			}
			break
		}
		l.buf = utf8.AppendRune(l.buf, rune(c))
	}
	n := copy(p, l.buf)
	l.buf = l.buf[n:]
	return n, nil
}
