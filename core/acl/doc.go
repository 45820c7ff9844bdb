// Package acl signs requests for brokers and name servers that run RocketMQ 4.x plain ACL
// (and for Alibaba Cloud's ONS, which uses the same scheme with an OnsChannel field).
//
// Signing is a client-side hook: Hook returns a function for
// remoting.ClientOptions.BeforeRequest, so every request on every connection of a client
// is signed just before it goes out, retries and re-sends included. Verification belongs
// to whoever plays the broker (the dev broker has its own); nothing here checks a
// signature.
package acl
