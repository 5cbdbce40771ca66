//! The "Before approving" checklist shown beside every pending request.

/// What an approver checks before approving, in the original brief's words.
pub const BEFORE_APPROVING: [&str; 5] = [
    "Verify the requestor is who they claim to be",
    "Review the justification for legitimacy",
    "Check if ticket number matches an actual change request",
    "Consider if the requested duration is appropriate",
    "Verify the role is needed for the stated task",
];
