//! Reading the files a user names, inputs and options alike: only regular files are opened
//! (a FIFO, a device or a socket is an error, never a blocking or endless read), and reading
//! stops at a size cap whatever the file's metadata says.

use std::io::{self, Read};
use std::path::Path;

/// Largest option file read: configuration, waivers, packs, targets, trust anchors, passwords.
pub const MAX_OPTION_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// What a path is, in words, when it is not a regular file.
fn not_regular(meta: &std::fs::Metadata) -> Option<&'static str> {
    let t = meta.file_type();
    if t.is_file() {
        return None;
    }
    if t.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if t.is_char_device() {
            return Some("a character device");
        }
        if t.is_block_device() {
            return Some("a block device");
        }
        if t.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The error for a path that is not a regular file.
pub fn not_a_file(what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!("{what}, not a regular file: not read"),
    )
}

/// Reads at most `limit` bytes of the regular file at `path`; more is an error.
pub fn read_bounded(path: &Path, limit: u64) -> io::Result<Vec<u8>> {
    // Checked before opening: opening a FIFO for reading blocks until a writer appears.
    if let Some(what) = not_regular(&std::fs::metadata(path)?) {
        return Err(not_a_file(what));
    }
    let file = std::fs::File::open(path)?;
    // Checked again on the handle, in case the path was swapped in between.
    let meta = file.metadata()?;
    if let Some(what) = not_regular(&meta) {
        return Err(not_a_file(what));
    }
    // The metadata length sizes the buffer (one allocation, not a doubling series); the cap
    // is enforced on what is actually read.
    let hint = usize::try_from(meta.len().min(limit)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(hint.saturating_add(1));
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(too_large(limit));
    }
    Ok(bytes)
}

/// The error for a file over its size cap.
pub fn too_large(limit: u64) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("larger than the {limit} byte limit: not read"),
    )
}

/// Reads an option file (at most [`MAX_OPTION_FILE_BYTES`]) as UTF-8 text.
pub fn read_option_text(path: &Path) -> io::Result<String> {
    let bytes = read_bounded(path, MAX_OPTION_FILE_BYTES)?;
    String::from_utf8(bytes).map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "not valid UTF-8 text"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_and_kinds() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("f");
        std::fs::write(&p, vec![b'a'; 100]).unwrap();
        assert_eq!(read_bounded(&p, 100).unwrap().len(), 100);
        assert!(read_bounded(&p, 99).unwrap_err().to_string().contains("99 byte limit"));
        assert!(read_bounded(dir.path(), 10)
            .unwrap_err()
            .to_string()
            .contains("a folder"));
        #[cfg(unix)]
        {
            let e = read_bounded(Path::new("/dev/zero"), 10).unwrap_err();
            assert!(e.to_string().contains("character device"), "{e}");
        }
    }
}
