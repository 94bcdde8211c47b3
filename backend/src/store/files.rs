//! Files in conversations: which conversation holds which file under what
//! name. The bytes are in the blob store (`crate::files::blobs`), keyed by
//! `sha256`; a blob no row names any more can be deleted.

use protocol::files::Attachment;
use protocol::{ClientId, ConversationId};

use super::db::on_db;
use super::{now_ms, unsigned, Result, Store, StoreError};

/// A stored file and where it belongs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    pub conversation_id: ConversationId,
    pub sha256: String,
    /// Its description, without a link.
    pub attachment: Attachment,
}

#[derive(sqlx::FromRow)]
struct FileRow {
    id: i64,
    conversation_id: i64,
    sha256: String,
    name: String,
    mime: String,
    bytes: i64,
    width: i64,
    height: i64,
}

impl FileRow {
    fn into_file(self) -> StoredFile {
        StoredFile {
            conversation_id: ConversationId(self.conversation_id),
            sha256: self.sha256,
            attachment: Attachment {
                id: self.id,
                name: self.name,
                mime: self.mime,
                bytes: unsigned(self.bytes),
                width: u32::try_from(self.width).unwrap_or(0),
                height: u32::try_from(self.height).unwrap_or(0),
                url: String::new(),
            },
        }
    }
}

const FILE_COLUMNS: &str = "id, conversation_id, sha256, name, mime, bytes, width, height";

impl Store {
    /// Records a file in a conversation under the uploader's `client_id`.
    /// A second upload under the same id gets the first one's record, so
    /// a retried upload never makes a second file.
    pub async fn add_file(&self, conversation: ConversationId, client_id: &ClientId, sha256: &str, file: &Attachment) -> Result<StoredFile> {
        let insert = "INSERT INTO files (conversation_id, client_id, sha256, name, mime, bytes, width, height, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (conversation_id, client_id) DO NOTHING";
        let bytes = i64::try_from(file.bytes).unwrap_or(i64::MAX);
        on_db!(&self.db, pool => sqlx::query(insert)
            .bind(conversation.get()).bind(client_id.as_str()).bind(sha256).bind(&file.name).bind(&file.mime)
            .bind(bytes).bind(i64::from(file.width)).bind(i64::from(file.height)).bind(now_ms())
            .execute(pool).await?.rows_affected());
        self.file_for_client_id(conversation, client_id).await?.ok_or_else(|| StoreError::Corrupt("a file vanished after its insert".into()))
    }

    /// The file uploaded as `client_id` in the conversation, if any.
    pub async fn file_for_client_id(&self, conversation: ConversationId, client_id: &ClientId) -> Result<Option<StoredFile>> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE conversation_id = $1 AND client_id = $2");
        let row: Option<FileRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(conversation.get()).bind(client_id.as_str()).fetch_optional(pool).await?);
        Ok(row.map(FileRow::into_file))
    }

    pub async fn file(&self, id: i64) -> Result<Option<StoredFile>> {
        let sql = format!("SELECT {FILE_COLUMNS} FROM files WHERE id = $1");
        let row: Option<FileRow> = on_db!(&self.db, pool => sqlx::query_as(&sql).bind(id).fetch_optional(pool).await?);
        Ok(row.map(FileRow::into_file))
    }

    /// What the conversation's files weigh together, in bytes.
    pub async fn conversation_file_bytes(&self, conversation: ConversationId) -> Result<u64> {
        // PostgreSQL sums BIGINTs into a NUMERIC; the cast makes both databases answer an integer.
        let sql = "SELECT CAST(COALESCE(SUM(bytes), 0) AS BIGINT) FROM files WHERE conversation_id = $1";
        let total: i64 = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(conversation.get()).fetch_one(pool).await?);
        Ok(unsigned(total))
    }

    /// Whether any file still names the blob `sha256`.
    pub async fn blob_in_use(&self, sha256: &str) -> Result<bool> {
        let sql = "SELECT COUNT(*) FROM files WHERE sha256 = $1";
        let n: i64 = on_db!(&self.db, pool => sqlx::query_scalar(sql).bind(sha256).fetch_one(pool).await?);
        Ok(n > 0)
    }

    /// Erases what people wrote and sent in a conversation: its messages,
    /// its files' records, its pre-chat answers, the message left in it
    /// and the emails waiting with its transcript, in one transaction.
    /// (A callback asked for from the chat is a request of its own, kept.) What routing recorded
    /// (times, queues, agents) stays, so reports still add up. Returns the
    /// blobs no file names any more, for the caller to delete.
    pub async fn erase_conversation(&self, conversation: ConversationId) -> Result<Vec<String>> {
        let id = conversation.get();
        let orphans: Vec<String> = on_db!(&self.db, pool => {
            let mut tx = pool.begin().await?;
            let shas: Vec<String> = sqlx::query_scalar("SELECT DISTINCT sha256 FROM files WHERE conversation_id = $1").bind(id).fetch_all(&mut *tx).await?;
            sqlx::query("DELETE FROM files WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM messages WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM webhook_deliveries WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE left_messages SET name = '', email = '', text = '' WHERE conversation_id = $1").bind(id).execute(&mut *tx).await?;
            sqlx::query("UPDATE conversations SET prechat_name = '', prechat_email = '', prechat_topic = '' WHERE id = $1").bind(id).execute(&mut *tx).await?;
            let mut orphans = Vec::new();
            for sha in shas {
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM files WHERE sha256 = $1").bind(&sha).fetch_one(&mut *tx).await?;
                if n == 0 {
                    orphans.push(sha);
                }
            }
            tx.commit().await?;
            orphans
        });
        Ok(orphans)
    }
}
