package lang

import (
	"context"
	"strings"
	"testing"
)

func renderHTML(t *testing.T, text string, data map[string]any) (string, error) {
	t.Helper()
	tm, err := ParseText(Config{}, text)
	if err != nil {
		t.Fatal(err)
	}
	return tm.HTML(context.Background(), data, testEnv("en-US"))
}

func TestHTMLEscaping(t *testing.T) {
	data := map[string]any{
		"evil":  `<script>alert("x")</script>&`,
		"js":    "javascript:alert(1)",
		"jsuc":  " JavaScript:alert(1)",
		"web":   "https://example.com/?a=1&b=2",
		"rel":   "/contacts/1",
		"quote": `"><img src=x onerror=alert(1)>`,
		"notes": `<b>bold</b><script>alert(1)</script><a href="javascript:alert(2)" onclick="alert(3)">link</a><img src="https://x/y.png">`,
	}
	cases := []struct{ text, want string }{
		{"<p>{evil}</p>", "<p>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;</p>"},
		{`<a href="{web}">x</a>`, `<a href="https://example.com/?a=1&amp;b=2">x</a>`},
		{`<a href="{rel}">x</a>`, `<a href="/contacts/1">x</a>`},
		{`<a href="{js}">x</a><a HREF='{jsuc}'>y</a>`, `<a href="about:invalid#blocked">x</a><a HREF='about:invalid#blocked'>y</a>`},
		{`<a href="https://x/?q={js}">x</a>`, `<a href="https://x/?q=javascript:alert(1)">x</a>`},
		{`<p title="{quote}">t</p>`, `<p title="&#34;&gt;&lt;img src=x onerror=alert(1)&gt;">t</p>`},
		{`<!-- {evil} --><p>x</p>`, `<!-- &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp; --><p>x</p>`},
		{`<script>var a = 1;</script><p>{web}</p>`, `<script>var a = 1;</script><p>https://example.com/?a=1&amp;b=2</p>`},
		{`<style>p {{ color: red }}</style>{evil}`, `<style>p { color: red }</style>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;`},
		{"a < b {web}", "a < b https://example.com/?a=1&amp;b=2"},
		{"{#if true}<b>{evil}</b>{/if}", "<b>&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;&amp;</b>"},
	}
	for _, c := range cases {
		got, err := renderHTML(t, c.text, data)
		if err != nil || got != c.want {
			t.Errorf("%s\n got %q %v\nwant %q", c.text, got, err, c.want)
		}
	}
	raw, err := renderHTML(t, "<div>{notes | raw}</div>", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<script", "javascript:", "onclick", "alert(1)"} {
		if strings.Contains(raw, bad) {
			t.Errorf("raw output keeps %q: %s", bad, raw)
		}
	}
	if !strings.Contains(raw, "<b>bold</b>") || !strings.Contains(raw, `<img src="https://x/y.png">`) {
		t.Errorf("raw output lost formatting: %s", raw)
	}
	if txt, _ := render(t, "en-US", "{notes | raw}", data); txt != data["notes"] {
		t.Errorf("raw in text: %q", txt)
	}
}

func TestHTMLUnsafeContexts(t *testing.T) {
	data := map[string]any{"x": "a", "notes": "<b>b</b>"}
	cases := []struct{ text, want string }{
		{`<a onclick="{x}">`, "column 14: a placeholder in the onclick attribute would run as script"},
		{`<script>var a = "{x}";</script>`, "a placeholder inside an HTML tag, an unquoted attribute, or a <script> or <style> element cannot be made safe"},
		{`<STYLE>p {{ color: {x} }}</STYLE>`, "cannot be made safe"},
		{`<div {x}>`, "cannot be made safe"},
		{`<a href={x}>`, "cannot be made safe"},
		{`<{x}>`, "cannot be made safe"},
		{`<p title="{notes | raw}">`, "| raw is only allowed in text"},
	}
	for _, c := range cases {
		_, err := renderHTML(t, c.text, data)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.text, err, c.want)
		}
	}
}
