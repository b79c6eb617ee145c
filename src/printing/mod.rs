//! Printed paper: what a receipt and a queue ticket say (`receipt_content`), Vietnamese text as
//! pixels (`raster_text`) or code page 1258 (`cp1258`), the ESC/POS bytes for a printer profile
//! (`escpos_encoder`) and a picture of what those bytes print (`escpos_preview`). Pure: no
//! printer IO here (that is `devices::printer`).

pub mod cp1258;
pub mod escpos_encoder;
pub mod escpos_preview;
pub mod raster_text;
pub mod receipt_qr;
