//! Routing inputs as they cross the bus to the owner, and back.

use protocol::cluster::RoutingInput;
use routing::Event;

use super::Input;

/// The bus form of an input another node's routing task must see; `None`
/// for inputs that never leave a node.
pub(super) fn outgoing(input: &Input) -> Option<RoutingInput> {
    Some(match input {
        Input::Route(event) => match event.clone() {
            Event::AgentAvailable { agent, capacity, sites } => RoutingInput::AgentAvailable { agent, capacity, sites },
            Event::AgentUnavailable { agent } => RoutingInput::AgentUnavailable { agent },
            Event::Enqueue { conversation, site } => RoutingInput::Enqueue { conversation, site },
            Event::Accept { conversation, agent } => RoutingInput::Accept { conversation, agent },
            Event::Decline { conversation, agent } => RoutingInput::Decline { conversation, agent },
            Event::Release { conversation } => RoutingInput::Release { conversation },
            Event::VisitorReturned { conversation } => RoutingInput::VisitorReturned { conversation },
            // Restores, ticks and departures without a visitor are the
            // owner's own.
            Event::Restore { .. } | Event::Tick | Event::VisitorLeft { .. } => return None,
        },
        Input::VisitorLeft { conversation, visitor } => RoutingInput::VisitorLeft { conversation: *conversation, visitor: *visitor },
        Input::RefreshOffer(conversation) => RoutingInput::RefreshOffer { conversation: *conversation },
        Input::Heartbeat(_) | Input::Crash => return None,
    })
}

/// What a forwarded input means to the routing task.
pub(super) fn incoming(input: RoutingInput) -> Input {
    match input {
        RoutingInput::AgentAvailable { agent, capacity, sites } => Input::Route(Event::AgentAvailable { agent, capacity, sites }),
        RoutingInput::AgentUnavailable { agent } => Input::Route(Event::AgentUnavailable { agent }),
        RoutingInput::Enqueue { conversation, site } => Input::Route(Event::Enqueue { conversation, site }),
        RoutingInput::Accept { conversation, agent } => Input::Route(Event::Accept { conversation, agent }),
        RoutingInput::Decline { conversation, agent } => Input::Route(Event::Decline { conversation, agent }),
        RoutingInput::Release { conversation } => Input::Route(Event::Release { conversation }),
        RoutingInput::VisitorReturned { conversation } => Input::Route(Event::VisitorReturned { conversation }),
        RoutingInput::VisitorLeft { conversation, visitor } => Input::VisitorLeft { conversation, visitor },
        RoutingInput::RefreshOffer { conversation } => Input::RefreshOffer(conversation),
    }
}

#[cfg(test)]
mod tests {
    use protocol::{AgentId, ConversationId, SiteId, VisitorId};

    use super::*;

    #[test]
    fn what_a_node_forwards_arrives_as_it_was_sent() {
        let inputs = [
            Input::Route(Event::AgentAvailable { agent: AgentId(1), capacity: 2, sites: vec![SiteId(3)] }),
            Input::Route(Event::AgentUnavailable { agent: AgentId(1) }),
            Input::Route(Event::Enqueue { conversation: ConversationId(4), site: SiteId(3) }),
            Input::Route(Event::Accept { conversation: ConversationId(4), agent: AgentId(1) }),
            Input::Route(Event::Decline { conversation: ConversationId(4), agent: AgentId(1) }),
            Input::Route(Event::Release { conversation: ConversationId(4) }),
            Input::Route(Event::VisitorReturned { conversation: ConversationId(4) }),
            Input::VisitorLeft { conversation: ConversationId(4), visitor: VisitorId(5) },
            Input::RefreshOffer(ConversationId(4)),
        ];
        for input in inputs {
            let wire = outgoing(&input).expect("forwarded");
            assert_eq!(format!("{:?}", incoming(wire)), format!("{input:?}"));
        }
        assert!(outgoing(&Input::Route(Event::Tick)).is_none());
    }
}
