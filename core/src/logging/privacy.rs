//! What a member wrote, taken out of the stored log: the per-user deletion (the operations
//! issue's `guildhall user delete`) calls [`super::LoggingService::erase_member`], which removes
//! their stored messages and the text of their messages from stored log events.

use super::entry::LogEntry;

/// The fields that hold what a member wrote.
pub const CONTENT_FIELDS: &[&str] = &["Content", "Before", "After"];

/// What replaces erased text.
pub const ERASED: &str = "(deleted at the member's request)";

/// Replaces the text a member wrote in `entry` (its content fields and a transcript).
pub fn erase_content(entry: &mut LogEntry) {
    for field in &mut entry.fields {
        if CONTENT_FIELDS.contains(&field.name.as_str()) {
            ERASED.clone_into(&mut field.value);
        }
    }
    if let Some(file) = &mut entry.file {
        file.text.clear();
    }
}
