package config

import (
	"strings"
	"testing"
)

// FuzzLoadYAML feeds arbitrary files to Load: it must never panic, a
// configuration it accepts must validate, and the secret given in the
// environment must never appear in an error.
func FuzzLoadYAML(f *testing.F) {
	for _, seed := range []string{
		"",
		"log: {level: debug}\n",
		"telegram:\n  admins: [1, 2]\n  webhook:\n    url: https://x.example/h\n",
		"embed:\n  timeout: 30\n",
		"a: &x [1]\nsources: *x\n",
		"- 1\n",
		"log:\n  level: [debug\n",
		"llm: {api_key: [1], temperature: 0}\n---\nx: 1\n",
	} {
		f.Add(seed)
	}
	const secret = "zz-fuzz-secret-zz"
	badEnv := envFrom(map[string]string{"KBOT_LLM_API_KEY": secret + " x"}) // malformed on purpose
	f.Fuzz(func(t *testing.T, text string) {
		path := writeConfig(t, text)
		c, err := Load(path, nil)
		if err == nil {
			if err := c.Validate(); err != nil {
				t.Fatalf("Load accepted a config that does not validate: %v", err)
			}
		}
		if _, err := Load(path, badEnv); err == nil {
			t.Fatal("Load accepted an API key with a space in it")
		} else if strings.Contains(err.Error(), secret) {
			t.Fatalf("error reveals the secret: %v", err)
		}
	})
}
