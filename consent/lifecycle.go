package consent

// Event moves a consent between statuses.
type Event string

// Events.
const (
	EventAuthorise Event = "authorise"
	EventReject    Event = "reject"
	EventConsume   Event = "consume"
	EventRevoke    Event = "revoke"
	EventExpire    Event = "expire"
	EventCancel    Event = "cancel"
	// EventAmend re-authorises an authorised consent with new terms, keeping
	// its id (CDR arrangement amendment via cdr_arrangement_id); the old
	// terms' tokens are revoked.
	EventAmend Event = "amend"
)

type edge struct {
	from  Status
	event Event
}

// lifecycle is the one transition table every ecosystem shares:
//
//	stateDiagram-v2
//	  [*] --> awaiting_authorisation
//	  awaiting_authorisation --> authorised: authorise
//	  awaiting_authorisation --> rejected: reject
//	  awaiting_authorisation --> expired: expire
//	  awaiting_authorisation --> cancelled: cancel
//	  awaiting_authorisation --> revoked: revoke
//	  authorised --> consumed: consume
//	  authorised --> revoked: revoke
//	  authorised --> expired: expire
//	  authorised --> authorised: amend
//
// revoke from awaiting_authorisation covers the TPP deleting a consent
// before the customer saw it (UK DELETE of an account-access consent).
func lifecycle() map[edge]Status {
	return map[edge]Status{
		{StatusAwaitingAuthorisation, EventAuthorise}: StatusAuthorised,
		{StatusAwaitingAuthorisation, EventReject}:    StatusRejected,
		{StatusAwaitingAuthorisation, EventExpire}:    StatusExpired,
		{StatusAwaitingAuthorisation, EventCancel}:    StatusCancelled,
		{StatusAwaitingAuthorisation, EventRevoke}:    StatusRevoked,
		{StatusAuthorised, EventConsume}:              StatusConsumed,
		{StatusAuthorised, EventRevoke}:               StatusRevoked,
		{StatusAuthorised, EventExpire}:               StatusExpired,
		{StatusAuthorised, EventAmend}:                StatusAuthorised,
	}
}

var table = lifecycle()

// Next returns the status an event leads to from s, or ErrInvalidTransition.
func Next(s Status, e Event) (Status, error) {
	to, ok := table[edge{s, e}]
	if !ok {
		return "", &Error{Kind: KindInvalidTransition, Reason: string(e) + " is not allowed from " + string(s)}
	}
	return to, nil
}
