package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// errSyntax marks a file that is not YAML at all.
var errSyntax = errors.New("not valid YAML")

// decodeYAML applies the settings in data (the file name) to c.
//
// Rather than decoding into the struct, it walks the node tree against the
// field table, so that an unknown key, a wrong type or a bad duration is
// reported with its full key path and line, and every problem in the file
// is reported at once. The effect is that of yaml.v3's KnownFields, with
// better messages.
func decodeYAML(name string, data []byte, c *Config) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil // empty file: defaults stand
		}
		return fmt.Errorf("%s: %w: %w", name, errSyntax, err)
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return fmt.Errorf("%s: %w: %w", name, errSyntax, err)
	default:
		return fmt.Errorf("%s:%d: the file holds a second YAML document; keep all settings in one", name, extra.Line)
	}

	root := resolve(&doc)
	if root.Kind == yaml.DocumentNode && len(root.Content) == 1 {
		root = resolve(root.Content[0])
	}
	if isNull(root) {
		return nil
	}
	if root.Kind != yaml.MappingNode {
		return fmt.Errorf("%s:%d: the file must hold settings as \"key: value\" lines, such as \"log:\\n  level: debug\"", name, root.Line)
	}
	w := walker{name: name, c: c}
	w.mapping(root, "")
	return errors.Join(w.errs...)
}

type walker struct {
	name string
	c    *Config
	errs []error
}

func (w *walker) fail(n *yaml.Node, key, msg string) {
	w.errs = append(w.errs, &problem{where: fmt.Sprintf("%s:%d", w.name, n.Line), key: key, msg: msg})
}

// mapping applies the pairs of m, whose keys sit under prefix.
func (w *walker) mapping(m *yaml.Node, prefix string) {
	seen := make(map[string]bool)
	for i := 0; i+1 < len(m.Content); i += 2 {
		k, v := m.Content[i], resolve(m.Content[i+1])
		key := prefix + k.Value
		if seen[key] {
			w.fail(k, key, "is set twice; keep one")
			continue
		}
		seen[key] = true
		switch f := fieldByKey[key]; {
		case f != nil:
			w.leaf(f, v)
		case sections[key]:
			if isNull(v) {
				continue
			}
			if v.Kind != yaml.MappingNode {
				w.fail(v, key, fmt.Sprintf("must be a group of settings (%s)", strings.Join(children(key), ", ")))
				continue
			}
			w.mapping(v, key+".")
		default:
			w.fail(k, "", fmt.Sprintf("unknown key %q; %s", key, suggest(prefix, k.Value)))
		}
	}
}

func (w *walker) leaf(f *field, n *yaml.Node) {
	p := f.ptr(w.c)
	if isNull(n) {
		setZero(p)
		return
	}
	var msg string
	switch {
	case isList(p) && n.Kind == yaml.SequenceNode:
		items := make([]string, 0, len(n.Content))
		for _, item := range n.Content {
			item = resolve(item)
			if item.Kind != yaml.ScalarNode || isNull(item) {
				msg = "every list item must be a single value"
				break
			}
			items = append(items, item.Value)
		}
		if msg == "" {
			msg = setList(p, items)
		}
	case isList(p):
		msg = "must be a list, such as [a, b] or one \"- item\" per line"
	case n.Kind == yaml.ScalarNode:
		msg = setScalar(p, n.Value)
	default:
		msg = "must be a single value, not a list or a group"
	}
	if msg != "" {
		w.fail(n, f.key, msg)
	}
}

func resolve(n *yaml.Node) *yaml.Node {
	for n.Kind == yaml.AliasNode && n.Alias != nil {
		n = n.Alias
	}
	return n
}

func isNull(n *yaml.Node) bool {
	return n.Kind == yaml.ScalarNode && n.Tag == "!!null"
}

// children lists the keys directly under section, sorted.
func children(section string) []string {
	var out []string
	add := func(key string) {
		rest, ok := strings.CutPrefix(key, section+".")
		if ok && !strings.Contains(rest, ".") {
			out = append(out, rest)
		}
		if section == "" && !strings.Contains(key, ".") {
			out = append(out, key)
		}
	}
	for key := range fieldByKey {
		add(key)
	}
	for key := range sections {
		add(key)
	}
	slices.Sort(out)
	return out
}

// suggest helps with an unknown key name found under prefix: a setting of
// that name elsewhere, a close spelling, or the list of keys allowed there.
func suggest(prefix, name string) string {
	var elsewhere []string
	match := func(key string) {
		if key == name || strings.HasSuffix(key, "."+name) {
			elsewhere = append(elsewhere, key)
		}
	}
	for key := range fieldByKey {
		match(key)
	}
	for key := range sections {
		match(key)
	}
	if len(elsewhere) > 0 {
		slices.Sort(elsewhere)
		return "did you mean " + strings.Join(elsewhere, " or ") + "?"
	}
	section := strings.TrimSuffix(prefix, ".")
	known := children(section)
	best, bestDist := "", len(name)/3+1
	for _, k := range known {
		if d := editDistance(name, k); d <= bestDist && (best == "" || d < editDistance(name, best)) {
			best = k
		}
	}
	if best != "" {
		return fmt.Sprintf("did you mean %s?", prefix+best)
	}
	where := "at the top level"
	if section != "" {
		where = "under " + section
	}
	return fmt.Sprintf("known keys %s: %s", where, strings.Join(known, ", "))
}

// editDistance is the Levenshtein distance between a and b, in bytes
// (keys are ASCII).
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
