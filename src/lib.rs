//! PIM Approvals: an approver's console for Microsoft Entra Privileged Identity Management.
pub mod domain;
