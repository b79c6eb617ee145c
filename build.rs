//! Compiles `ui/*.slint` into Rust, with the Vietnamese UI translation bundled in
//! (`assets/translations/vi/LC_MESSAGES/xakiosk.po`; English is the source language).
//! Debug info is always emitted so tests can find elements by accessible label.
fn main() {
    let config = slint_build::CompilerConfiguration::new()
        .with_style("fluent-light".into())
        .with_debug_info(true)
        .with_default_translation_context(slint_build::DefaultTranslationContext::None)
        .with_bundled_translations("assets/translations");
    slint_build::compile_with_config("ui/app.slint", config).expect("ui/app.slint must compile");
    println!("cargo:rerun-if-changed=assets/translations");
}
