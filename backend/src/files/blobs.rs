//! Where files' bytes are kept: behind [`BlobStore`], named by the
//! SHA-256 of their content. [`DiskBlobs`] keeps them under the data
//! directory; an S3-compatible store implements the same four methods.

use std::io;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::stream::BoxStream;
use futures_util::StreamExt;

/// A blob being read: its length and its bytes as they come.
pub struct Blob {
    pub len: u64,
    pub stream: BoxStream<'static, io::Result<Bytes>>,
}

/// Content-addressed storage. Keys are lower-case hex SHA-256 digests, so
/// putting the same bytes twice keeps one copy.
pub trait BlobStore: Send + Sync + 'static {
    /// Stores `bytes` under `key`; once this returns, the blob survives a
    /// crash.
    fn put(&self, key: &str, bytes: Bytes) -> BoxFuture<'_, io::Result<()>>;
    /// The blob, or None when there is none under `key`.
    fn open(&self, key: &str) -> BoxFuture<'_, io::Result<Option<Blob>>>;
    /// Removes the blob; removing one that is not there is not an error.
    fn delete(&self, key: &str) -> BoxFuture<'_, io::Result<()>>;
}

/// The SHA-256 of `bytes` in lower-case hex: the key a blob is stored under.
pub fn key_of(bytes: &[u8]) -> String {
    use sha2::Digest;
    crate::store::to_hex(&sha2::Sha256::digest(bytes))
}

/// Blobs as files under a directory: `ab/cd/abcd…`, two levels of fan-out
/// so no directory grows past a few thousand entries.
#[derive(Debug, Clone)]
pub struct DiskBlobs {
    root: PathBuf,
}

impl DiskBlobs {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        Self { root: root.into() }
    }

    /// The file for `key`, or an error for a key that is not a digest (so
    /// no key can name a path outside the root).
    fn path(&self, key: &str) -> io::Result<PathBuf> {
        if key.len() != 64 || !key.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "a blob key is a SHA-256 digest in hex"));
        }
        Ok(self.root.join(&key[..2]).join(&key[2..4]).join(key))
    }
}

async fn write_durably(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let dir = path.parent().ok_or_else(|| io::Error::other("a blob path has a parent"))?;
    tokio::fs::create_dir_all(dir).await?;
    // Written aside, flushed, then renamed into place: a reader never sees
    // half a file, and a crash leaves at worst a stray temporary.
    let temporary = dir.join(format!(".{}.{}", rand::random::<u64>(), std::process::id()));
    let mut file = tokio::fs::File::create(&temporary).await?;
    tokio::io::AsyncWriteExt::write_all(&mut file, bytes).await?;
    file.sync_all().await?;
    drop(file);
    if let Err(e) = tokio::fs::rename(&temporary, path).await {
        let _ = tokio::fs::remove_file(&temporary).await;
        return Err(e);
    }
    tokio::fs::File::open(dir).await?.sync_all().await
}

impl BlobStore for DiskBlobs {
    fn put(&self, key: &str, bytes: Bytes) -> BoxFuture<'_, io::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            let path = path?;
            if tokio::fs::try_exists(&path).await? {
                return Ok(());
            }
            write_durably(&path, &bytes).await
        })
    }

    fn open(&self, key: &str) -> BoxFuture<'_, io::Result<Option<Blob>>> {
        let path = self.path(key);
        Box::pin(async move {
            let file = match tokio::fs::File::open(path?).await {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
                Err(e) => return Err(e),
            };
            let len = file.metadata().await?.len();
            Ok(Some(Blob { len, stream: tokio_util::io::ReaderStream::new(file).boxed() }))
        })
    }

    fn delete(&self, key: &str) -> BoxFuture<'_, io::Result<()>> {
        let path = self.path(key);
        Box::pin(async move {
            match tokio::fs::remove_file(path?).await {
                Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
                _ => Ok(()),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn read(blobs: &DiskBlobs, key: &str) -> Option<Vec<u8>> {
        let blob = blobs.open(key).await.unwrap()?;
        let chunks: Vec<Bytes> = blob.stream.map(|c| c.unwrap()).collect().await;
        let bytes = chunks.concat();
        assert_eq!(bytes.len() as u64, blob.len);
        Some(bytes)
    }

    #[tokio::test]
    async fn blobs_are_kept_once_under_their_digest_and_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = DiskBlobs::new(dir.path());
        let bytes = Bytes::from_static("收據 receipt".as_bytes());
        let key = key_of(&bytes);
        assert_eq!(key.len(), 64);
        blobs.put(&key, bytes.clone()).await.unwrap();
        blobs.put(&key, bytes.clone()).await.unwrap();
        assert_eq!(read(&blobs, &key).await.unwrap(), bytes.to_vec());
        assert!(dir.path().join(&key[..2]).join(&key[2..4]).join(&key).is_file());
        blobs.delete(&key).await.unwrap();
        blobs.delete(&key).await.unwrap();
        assert_eq!(read(&blobs, &key).await, None);
    }

    #[tokio::test]
    async fn a_key_that_is_not_a_digest_names_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let blobs = DiskBlobs::new(dir.path().join("files"));
        for key in ["../../etc/passwd", "", &"A".repeat(64), &format!("{}/", "a".repeat(63))] {
            assert!(blobs.put(key, Bytes::from_static(b"x")).await.is_err(), "{key}");
            assert!(blobs.open(key).await.is_err(), "{key}");
        }
    }
}
