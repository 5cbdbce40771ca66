// The first script a browser runs: a classic inline script (allowed by its hash in the
// Content-Security-Policy), inlined into index.html by .ci/app-module.sh after the <meta> tags naming
// the two modules and before the stylesheets, so it runs while the page is parsed and the module's
// downloads start alongside the CSS. Before any wasm is fetched it picks one module: the full app
// when this tab has a session (the key src/auth/session.rs stores it under), the address carries a
// sign-in response (?state= with ?code= or ?error=) or the page is framed by a host portal; otherwise
// the small sign-in entry (src/entry.rs). The file names come from the <meta> tags the build writes.
(() => {
  const files = (name) => document.querySelector(`meta[name="pim-approvals:${name}"]`).content.split(" ");
  const url = (file) => new URL(file, document.baseURI).href;
  const load = (name) => {
    const [js, wasm] = files(name).map(url);
    const preload = Object.assign(document.createElement("link"), { rel: "preload", as: "fetch", href: wasm, crossOrigin: "anonymous" });
    document.head.append(preload);
    // `TrunkApplicationStarted` with the module's exports, as Trunk's own loader announces a started app.
    const started = (wasm) => dispatchEvent(new CustomEvent("TrunkApplicationStarted", { detail: { wasm } }));
    return import(js).then((module) => module.default({ module_or_path: wasm })).then(started).catch((error) => {
      const line = Object.assign(document.createElement("p"), { className: "boot", textContent: "PIM Approvals could not be loaded. Check your connection and reload the page." });
      line.setAttribute("role", "alert");
      document.body.replaceChildren(line);
      console.error(error);
    });
  };
  let session = false;
  try {
    session = sessionStorage.getItem("pim-approvals.session") !== null;
  } catch {}
  const query = new URLSearchParams(location.search);
  const signInResponse = query.has("state") && (query.has("code") || query.has("error"));
  const framed = window.parent !== window;
  // The entry starts the full app itself when config.json cannot be read (the app explains why).
  window.pimApprovals = { files, load };
  load(session || signInResponse || framed ? "app" : "entry");
})();
