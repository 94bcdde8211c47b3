//! The end-to-end suite: real Chromium as the visitor on the demo shop and
//! as the agent in the console, against the real backend. Run with
//! `cargo xtask test` (which builds `dist/` first), or after `cargo xtask
//! build` with `cargo test -p e2e --test e2e [-- NAME...]`. Set
//! `RUST_LOG=rapport=debug` for the server's logs.

mod accessibility;
mod acd;
mod availability;
mod callbacks;
mod chat;
mod cluster;
mod cobrowse;
mod contacts;
mod everyday;
mod files;
mod history;
mod hostile;
mod knowledge;
mod support;
mod typing;

use std::process::ExitCode;

use e2e::scenario;

fn main() -> ExitCode {
    scenario::main(&[
        e2e::scenario!(chat::a_chat_survives_reloads_navigation_tabs_and_a_backend_restart),
        e2e::scenario!(cluster::the_widget_moves_to_another_node_when_its_node_dies),
        e2e::scenario!(typing::drafts_survive_whatever_the_other_side_does),
        e2e::scenario!(typing::a_burst_typed_by_keyboard_arrives_whole_and_in_order),
        e2e::scenario!(history::older_messages_load_as_the_reader_scrolls_up),
        e2e::scenario!(hostile::hostile_input_stays_inert_everywhere),
        e2e::scenario!(accessibility::the_widget_and_the_console_pass_axe),
        e2e::scenario!(acd::an_admin_sets_up_a_queue_in_the_console_and_the_next_visitor_is_routed_by_it),
        e2e::scenario!(acd::outside_business_hours_the_visitor_leaves_a_message_that_an_agent_answers),
        e2e::scenario!(acd::a_declined_offer_goes_to_the_other_agent_and_a_transfer_carries_the_note),
        e2e::scenario!(acd::with_capacity_one_a_second_visitor_waits_in_line_with_an_estimate),
        e2e::scenario!(acd::in_a_manual_queue_the_agent_picks_the_visitor_from_the_shared_list),
        e2e::scenario!(files::a_pasted_picture_and_a_sent_pdf_reach_the_other_side_and_html_is_refused),
        e2e::scenario!(contacts::a_signed_in_customer_is_recognised_from_the_page),
        e2e::scenario!(cobrowse::an_agent_co_browses_the_checkout_and_never_sees_the_card),
        e2e::scenario!(knowledge::the_knowledge_base_answers_a_question_before_an_agent_and_the_agent_inserts_articles),
        e2e::scenario!(everyday::an_admin_restyles_the_widget_and_a_fresh_page_shows_it),
        e2e::scenario!(everyday::an_agent_with_the_chat_off_screen_is_notified_and_titles_count_unread),
        e2e::scenario!(everyday::after_the_chat_the_visitor_gets_the_transcript_by_email),
        e2e::scenario!(everyday::a_saved_reply_goes_out_by_its_shortcut_and_the_chat_is_found_later_by_its_chinese_words),
        e2e::scenario!(callbacks::a_visitor_schedules_a_callback_and_the_agent_calls_until_someone_answers),
        e2e::scenario!(availability::a_page_on_an_origin_the_site_does_not_allow_gets_an_unavailable_launcher),
        e2e::scenario!(availability::with_the_backend_down_the_launcher_says_unavailable_without_errors),
        e2e::scenario!(availability::the_widget_speaks_traditional_chinese_on_a_zh_hant_page),
    ])
}
