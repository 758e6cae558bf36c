// Package config owns the merchant's bot file: its YAML shape (File), the
// expansion of ${VAR} references from the environment, the defaults, the
// checks that turn every mistake into a "file:line:col: message"
// diagnostic, the JSON Schema that editors use, and the conversion of a
// file into the domain's concierge.Bot.
//
// cmd/concierge imports it to load bots for validate and the other
// commands, and server to build the server: it hands each part of a File
// (channel credentials, payment keys, the Bot) to the package that needs
// it. Feature packages (adapters, agent, checkout, handoff, webhooks) do
// not import it; they receive concierge types or their own small config
// structs. It imports the root package, internal/money, catalogfeed (to
// read the product feeds of catalog.sources, see sources.go), livecatalog
// (to fetch the url sources for validate --fetch, see remote.go),
// go.yaml.in/yaml/v3, goccy/go-yaml (to explain the files yaml.v3
// refuses) and invopop/jsonschema.
//
// # Reading a file
//
// The YAML is parsed into go.yaml.in/yaml/v3's node tree and decoded field
// by field, so that every problem of a file (an unknown key, a wrong type, a
// bad price) is reported at once with its line and column, rather than the
// first one only. Anchors, aliases and merge keys ("<<: *base") work. A
// number or boolean where text is expected is taken as written, so
// "price: 49.00" reads as "49.00"; text where a number or boolean is
// expected is an error, unless it comes from the environment.
// A file that yaml.v3 refuses is parsed again with goccy/go-yaml, whose
// syntax errors carry a column; yaml.v3 is used for the rest because it
// reads a 10,000-product file more than twice as fast, allocating a third
// of the memory
// (docs/decisions.md).
//
// # The environment
//
// In every string value, ${VAR} is replaced by the variable's value and
// ${VAR:-default} by the value or, when it is unset or empty, by default;
// "$${" is a literal "${". Keys are never expanded. An unset or empty
// variable without a default is an error at the value's position, naming
// the variable; Check, which `concierge validate` uses, makes it a warning
// instead, so that a file can be checked where its secrets are not. Values that came from the environment are never shown in an
// error message: the message shows the reference as written instead.
//
// # Absent and zero
//
// A default applies when a key is absent or empty ("key:" or "key: null"),
// never when it is written: "after_failed_turns: 0" means never, and
// "channels: {}" means no channel at all, while no channels section means
// the web widget. The defaults are listed as constants (DefaultCurrency,
// DefaultOrderTTL, …) and on each field of File.
package config
