package producer

import "github.com/rocketmq-go/librocketmq/core/route"

// NameServer is the name server client of a started producer, or nil before Start. The C
// API's name server domain needs it: a route.DomainResolver keeps its address list in step
// with the address server while the producer runs.
func (p *Producer) NameServer() *route.NameServer {
	if p.state.Load() == stateCreated {
		return nil
	}
	return p.client.NameServer()
}
