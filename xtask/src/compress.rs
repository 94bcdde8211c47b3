//! Precompression: every file in dist/ gets `.br` and `.gz` twins at build
//! time, so the server only picks one and never compresses per request.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use flate2::write::GzEncoder;
use flate2::Compression;

/// Brotli's densest setting; build time is cheap next to every visitor's bytes.
const BROTLI_QUALITY: u32 = 11;
/// A 4 MiB window, larger than any asset we ship.
const BROTLI_WINDOW_BITS: u32 = 22;

pub fn gzip(bytes: &[u8]) -> Result<Vec<u8>> {
    // GzEncoder writes a zero mtime, so the output is reproducible.
    let mut encoder = GzEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(bytes)?;
    Ok(encoder.finish()?)
}

pub fn brotli(bytes: &[u8]) -> Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut writer = brotli::CompressorWriter::new(&mut out, 4096, BROTLI_QUALITY, BROTLI_WINDOW_BITS);
        writer.write_all(bytes)?;
        writer.flush()?;
    }
    Ok(out)
}

/// Writes `<file>.br` and `<file>.gz` next to every file under `dir`.
pub fn precompress_dir(dir: &Path) -> Result<usize> {
    let files = files_under(dir)?;
    for file in &files {
        let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
        write_sibling(file, "br", &brotli(&bytes)?)?;
        write_sibling(file, "gz", &gzip(&bytes)?)?;
    }
    Ok(files.len())
}

fn write_sibling(file: &Path, extension: &str, bytes: &[u8]) -> Result<()> {
    let mut name = file.as_os_str().to_owned();
    name.push(".");
    name.push(extension);
    std::fs::write(&name, bytes).with_context(|| format!("writing {}", Path::new(&name).display()))
}

/// Every regular file under `dir`, recursively, except existing twins.
fn files_under(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        for entry in std::fs::read_dir(&current).with_context(|| format!("listing {}", current.display()))? {
            let path = entry?.path();
            if path.is_dir() {
                pending.push(path);
            } else if !matches!(path.extension().and_then(|e| e.to_str()), Some("br" | "gz")) {
                found.push(path);
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn both_formats_round_trip() {
        let text = "chat ".repeat(500);
        let mut unzipped = String::new();
        flate2::read::GzDecoder::new(&gzip(text.as_bytes()).unwrap()[..]).read_to_string(&mut unzipped).unwrap();
        assert_eq!(unzipped, text);
        let mut unbrotlied = String::new();
        brotli::Decompressor::new(&brotli(text.as_bytes()).unwrap()[..], 4096).read_to_string(&mut unbrotlied).unwrap();
        assert_eq!(unbrotlied, text);
    }
}
