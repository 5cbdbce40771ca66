//! Small labelled badges: status, risk and source. Each carries its meaning as text, never colour alone.

use crate::domain::{RequestStatus, RiskLevel, SourceKind};
use leptos::prelude::*;

#[component]
pub fn StatusBadge(status: RequestStatus) -> impl IntoView {
    let class = format!("badge status-{}", status.css_class());
    view! { <span class=class data-testid="status">{status.label().to_string()}</span> }
}

#[component]
pub fn RiskBadge(level: RiskLevel) -> impl IntoView {
    let class = format!("badge risk-{}", level.css_class());
    let marker = match level {
        RiskLevel::Critical => "▲▲ ",
        RiskLevel::High => "▲ ",
        RiskLevel::Normal => "",
    };
    view! {
        <span class=class data-testid="risk">
            <span aria-hidden="true">{marker}</span>
            {level.label()}
        </span>
    }
}

#[component]
pub fn SourceBadge(source: SourceKind) -> impl IntoView {
    let class = format!("badge source source-{}", source.slug());
    view! { <span class=class>{source.label()}</span> }
}
