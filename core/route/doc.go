// Package route is the client's view of where topics live: TopicRouteData from the name
// server (in both of its JSON dialects), the message queues a producer may write and a
// consumer may read, and a name server client that fails over between addresses.
package route
