// Trunk's initializer hooks (index.html, data-initializer): the static loader's progress line while
// the page's wasm downloads. `total` is the wasm's size on disk, known at build time; `current`
// counts the bytes received after any content decoding, so both count the same (uncompressed) bytes.
// The app removes the loader when it mounts (src/main.rs); after that these hooks find nothing.
const kb = (bytes) => Math.round(bytes / 1024).toLocaleString('en');

export default function initializer() {
  const el = (id) => document.getElementById(id);
  return {
    onProgress({ current, total }) {
      const status = el('loader-status'), bar = el('loader-progress');
      if (!status || !bar) return;
      if (total > 0) {
        bar.max = total;
        bar.value = Math.min(current, total);
      }
      status.textContent = total > 0 && current >= total
        ? `starting the engine (${kb(total)} KB)…`
        : `loading the engine (${total > 0 ? `${kb(current)} of ${kb(total)}` : kb(current)} KB)`;
    },
    onFailure(error) {
      const status = el('loader-status');
      if (!status) return;
      status.textContent = `The engine could not load (${error}). Reload the page to try again.`;
      status.classList.add('error-text');
      el('loader')?.removeAttribute('aria-busy');
    },
  };
}
