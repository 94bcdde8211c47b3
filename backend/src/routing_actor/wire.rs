//! Routing inputs as they cross the bus to the owner, and back.

use protocol::cluster::RoutingInput;

use super::Input;

/// The bus form of an input another node's routing task must see; `None`
/// for inputs that never leave a node.
pub(super) fn outgoing(input: &Input) -> Option<RoutingInput> {
    match input {
        Input::Request(request) => Some(request.clone()),
        Input::Heartbeat(_) | Input::Crash => None,
    }
}

/// What a forwarded input means to the routing task.
pub(super) fn incoming(input: RoutingInput) -> Input {
    Input::Request(input)
}

#[cfg(test)]
mod tests {
    use protocol::{AgentId, ConversationId, VisitorId};

    use super::*;

    #[test]
    fn what_a_node_forwards_arrives_as_it_was_sent() {
        let inputs = [
            RoutingInput::AgentAvailable { agent: AgentId(1) },
            RoutingInput::Enqueue { conversation: ConversationId(4) },
            RoutingInput::VisitorLeft { conversation: ConversationId(4), visitor: VisitorId(5) },
        ];
        for input in inputs {
            let wire = outgoing(&Input::Request(input.clone())).expect("forwarded");
            assert_eq!(format!("{:?}", incoming(wire)), format!("{:?}", Input::Request(input)));
        }
        assert!(outgoing(&Input::Crash).is_none());
    }
}
