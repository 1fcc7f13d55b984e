//! Save a text or data URL as a file: a temporary anchor with `download`, clicked and removed.

use wasm_bindgen::JsCast;

/// Offers `text` as a download named `filename`; returns a message when the browser refuses.
pub fn text(filename: &str, mime: &str, text: &str) -> Result<(), String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options)
        .map_err(|_| "the browser could not create the file".to_string())?;
    let url = web_sys::Url::create_object_url_with_blob(&blob)
        .map_err(|_| "the browser could not create a download link".to_string())?;
    let result = url_to_file(filename, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
    result
}

/// Offers a `data:` or `blob:` URL as a download.
pub fn url_to_file(filename: &str, url: &str) -> Result<(), String> {
    let document = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let anchor: web_sys::HtmlAnchorElement = document
        .create_element("a")
        .map_err(|_| "could not create a link")?
        .unchecked_into();
    anchor.set_href(url);
    anchor.set_download(filename);
    let body = document.body().ok_or("no body")?;
    let _ = body.append_child(&anchor);
    anchor.click();
    anchor.remove();
    Ok(())
}
