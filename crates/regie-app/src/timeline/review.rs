//! Review: comments anchored to a frame or a range, threaded replies, resolution, and the
//! approval state of an asset with its history. Comments and decisions raise workflow events
//! (`commented`, `approved`, `changes-requested`, `rejected`), so a rule can deliver what was
//! approved or call a webhook.

use regie_core::rules::EventKind;
use regie_core::timeline::{ApprovalState, Segment, SegmentKind};
use regie_db::{ApprovalRecord, NewSegment};
use serde::Serialize;

use super::segments::SegmentInput;
use super::{Actor, segment_of};
use crate::workflow::simple_event;
use crate::{AppError, Regie};

/// A comment with its replies, oldest first.
#[derive(Debug, Clone, Serialize)]
pub struct ReviewComment {
    #[serde(flatten)]
    pub comment: Segment,
    pub replies: Vec<Segment>,
}

/// An asset's review: its state, the decisions that led there, and the comment threads.
#[derive(Debug, Clone, Serialize)]
pub struct Review {
    pub asset_id: String,
    /// `pending` until someone decides.
    pub state: String,
    pub history: Vec<ApprovalRecord>,
    pub comments: Vec<ReviewComment>,
    /// Comments not yet resolved (replies not counted).
    pub open_comments: usize,
}

impl Regie {
    /// Writes a comment at a frame or on a range, or (with `parent`) a reply in its thread, which
    /// takes the range of what it answers.
    pub async fn comment(
        &self,
        reference: &str,
        input: &SegmentInput,
        parent: Option<&str>,
        actor: &Actor,
    ) -> Result<Segment, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let clock = self.clock_of(asset_id).await?;
        if input.text.trim().is_empty() {
            return Err(AppError::Invalid("a comment needs text".to_owned()));
        }
        let (mark, parent_id) = match parent {
            Some(parent) => {
                let answered = self.db.segment(asset_id, parent).await?;
                if answered.kind != "comment" {
                    return Err(AppError::Invalid(format!(
                        "{parent} is a {}, not a comment: only comments take replies",
                        answered.kind
                    )));
                }
                // A reply to a reply joins the thread of the first comment.
                let root = answered.parent_id.clone().unwrap_or(answered.id.clone());
                let mark = regie_core::timeline::Mark::new(
                    SegmentKind::parse("comment")?,
                    answered.start_frame,
                    answered.end_frame,
                    &input.text,
                )?;
                (mark, Some(root))
            }
            None => (input.mark(&clock, "comment")?, None),
        };
        if mark.kind.as_str() != "comment" {
            return Err(AppError::Invalid("review comments are of kind comment".to_owned()));
        }
        let new = NewSegment {
            mark,
            author: Some(actor.name.clone()),
            origin: "user".to_owned(),
            parent_id: parent_id.clone(),
            keyframe: None,
        };
        let id = self.db.add_segments(asset_id, &[new]).await?.remove(0);
        let what = match &parent_id {
            Some(root) => format!("reply {id} in thread {root}"),
            None => format!("comment {id}"),
        };
        self.audit(actor.entry("review.comment", asset_id, what)).await?;
        self.raise(simple_event(EventKind::Commented, asset_id, format!("commented:{id}"))).await;
        self.follow_changes_quietly().await;
        segment_of(self.db.segment(asset_id, &id).await?, &clock)
    }

    /// Marks a comment resolved, or open again.
    pub async fn resolve_comment(
        &self,
        reference: &str,
        id: &str,
        resolved: bool,
        actor: &Actor,
    ) -> Result<Segment, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let current = self.db.segment(asset_id, id).await?;
        if current.kind != "comment" {
            return Err(AppError::Invalid(format!("{id} is a {}, not a comment", current.kind)));
        }
        self.db.resolve_segment(asset_id, &current.id, resolved.then_some(actor.name.as_str())).await?;
        let action = if resolved { "review.resolve" } else { "review.reopen" };
        self.audit(actor.entry(action, asset_id, format!("comment {}", current.id))).await?;
        let clock = self.clock_of(asset_id).await?;
        segment_of(self.db.segment(asset_id, &current.id).await?, &clock)
    }

    /// Sets the asset's approval state. Asking for changes and rejecting need a reason.
    pub async fn decide(
        &self,
        reference: &str,
        state: ApprovalState,
        reason: &str,
        actor: &Actor,
    ) -> Result<ApprovalRecord, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let reason = reason.trim();
        if reason.chars().count() > 2_000 {
            return Err(AppError::Invalid("a reason is at most 2,000 characters".to_owned()));
        }
        if reason.is_empty() && matches!(state, ApprovalState::ChangesRequested | ApprovalState::Rejected) {
            return Err(AppError::Invalid(format!("say why: {} needs --reason", state.as_str())));
        }
        let record = self.db.record_approval(asset_id, state, reason, &actor.name).await?;
        let detail =
            if reason.is_empty() { state.as_str().to_owned() } else { format!("{}: {reason}", state.as_str()) };
        self.audit(actor.entry("review.decide", asset_id, detail)).await?;
        let kind = match state {
            ApprovalState::Approved => Some(EventKind::Approved),
            ApprovalState::ChangesRequested => Some(EventKind::ChangesRequested),
            ApprovalState::Rejected => Some(EventKind::Rejected),
            ApprovalState::Pending => None,
        };
        if let Some(kind) = kind {
            self.raise(simple_event(kind, asset_id, format!("{}:{}", kind.as_str(), record.id))).await;
        }
        Ok(record)
    }

    /// The review of an asset.
    pub async fn review(&self, reference: &str) -> Result<Review, AppError> {
        let asset_id = self.db.resolve_asset(reference).await?;
        let clock = self.clock_of(asset_id).await?;
        let history = self.db.approvals_of(asset_id).await?;
        let mut comments: Vec<ReviewComment> = Vec::new();
        let mut replies = Vec::new();
        for row in self.db.segments_of(asset_id, Some("comment")).await? {
            let segment = segment_of(row, &clock)?;
            match segment.parent_id {
                Some(_) => replies.push(segment),
                None => comments.push(ReviewComment { comment: segment, replies: Vec::new() }),
            }
        }
        replies.sort_by(|left, right| left.created_at.cmp(&right.created_at).then(left.id.cmp(&right.id)));
        for reply in replies {
            if let Some(thread) =
                comments.iter_mut().find(|thread| Some(&thread.comment.id) == reply.parent_id.as_ref())
            {
                thread.replies.push(reply);
            }
        }
        let open_comments = comments.iter().filter(|thread| thread.comment.resolved_at.is_none()).count();
        Ok(Review {
            asset_id: asset_id.to_string(),
            state: history.last().map_or_else(|| "pending".to_owned(), |decision| decision.state.clone()),
            history,
            comments,
            open_comments,
        })
    }
}
