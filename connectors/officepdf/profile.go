package officepdf

import (
	"fmt"
	"net/url"
	"os"
	"path/filepath"
)

// registry is the user-layer configuration every converter profile starts
// from, in LibreOffice's registrymodifications.xcu format, with %[1]d for the
// port of the pool's black-hole proxy. Each setting closes a way for a
// document to run code or reach the network:
//
//   - Common/Security/Scripting: DisableMacrosExecution stops Basic, Python
//     and JavaScript macros and document event handlers; MacroSecurityLevel 3
//     ("very high") is the fallback that runs only signed macros from trusted
//     locations, of which there are none. BlockUntrustedRefererLinks refuses
//     linked images to a document outside the trusted locations, so to
//     every document here: DOCX r:link pictures and ODT draw:image links,
//     also from file:// URLs (both seen fetched with a default profile).
//     DisableActiveContent (newer LibreOffice; 7.4 ignores the unknown
//     property) also blocks OLE and DDE links.
//   - Writer/Content/Update/Link 0: never update links (sections, DDE
//     fields, linked objects) when a document loads. The schema's
//     enumeration labels 0 "Always", but Writer reads the value as its
//     UpdateLinks enum (sw/inc/linkenum.hxx: NEVER, MANUAL, AUTOMATIC), so
//     0 is "never".
//   - Calc/Content/Update/Link 1: the same for spreadsheets embedded in a
//     document (ScLkUpdMode: LM_ALWAYS, LM_NEVER, LM_ON_DEMAND).
//   - Inet/Settings: a manual proxy (ooInetProxyType 2) for HTTP, HTTPS and
//     FTP with no exceptions, pointing at the pool's black-hole listener.
//     LibreOffice 7.4's HTML import still fetches style sheets (<link>,
//     @import) and background images with the settings above; through the
//     proxy every such request ends at a socket that is closed at once.
const registry = `<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting"><prop oor:name="DisableActiveContent" oor:op="fuse"><value>true</value></prop></item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>0</value></prop></item>
<item oor:path="/org.openoffice.Office.Calc/Content/Update"><prop oor:name="Link" oor:op="fuse"><value>1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetProxyType" oor:op="fuse"><value>2</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetNoProxy" oor:op="fuse"><value></value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPProxyPort" oor:op="fuse"><value>%[1]d</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetHTTPSProxyPort" oor:op="fuse"><value>%[1]d</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetFTPProxyName" oor:op="fuse"><value>127.0.0.1</value></prop></item>
<item oor:path="/org.openoffice.Inet/Settings"><prop oor:name="ooInetFTPProxyPort" oor:op="fuse"><value>%[1]d</value></prop></item>
</oor:items>
`

// profile is one converter's LibreOffice user installation: dir/user holds
// what soffice keeps between runs (registry, extension caches), which is
// what makes a second start faster than the first.
type profile struct {
	dir string
}

// url is the -env:UserInstallation value: a file URL with the path
// escaped, so a work directory with spaces or '%' still works.
func (p profile) url() string {
	return (&url.URL{Scheme: "file", Path: p.dir}).String()
}

// prepare writes the hardened registry over whatever the last run left,
// creating the profile on first use. Rewriting it before every run means
// neither a run killed halfway through writing it nor anything soffice saved
// on exit can weaken the settings; the rest of the profile stays warm.
func (p profile) prepare(proxyPort int) error {
	user := filepath.Join(p.dir, "user")
	if err := os.MkdirAll(user, 0o700); err != nil {
		return fmt.Errorf("officepdf: profile: %w", err)
	}
	tmp := filepath.Join(user, "registrymodifications.xcu.tmp")
	if err := os.WriteFile(tmp, fmt.Appendf(nil, registry, proxyPort), 0o600); err != nil {
		return fmt.Errorf("officepdf: profile: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(user, "registrymodifications.xcu")); err != nil {
		return fmt.Errorf("officepdf: profile: %w", err)
	}
	return nil
}

// reset throws the profile away after a run that was killed or failed:
// soffice may have been stopped while writing any of its files, and a cold
// start (measured in doc.go) is cheaper than a converter that keeps
// failing on a damaged profile.
func (p profile) reset() error {
	if err := os.RemoveAll(p.dir); err != nil {
		return fmt.Errorf("officepdf: profile: %w", err)
	}
	return nil
}
