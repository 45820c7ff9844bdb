package route

import "testing"

func FuzzParseTopicRouteData(f *testing.F) {
	f.Add([]byte(fastjsonRoute))
	f.Add([]byte(standardRoute))
	f.Add([]byte(`{"orderTopicConf":"a:1;b:x","queueDatas":null,"brokerDatas":[{"brokerAddrs":{-1:"x"}}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := ParseTopicRouteData(body)
		if err != nil {
			return
		}
		r.PublishQueues("T")
		r.SubscribeQueues("T")
		r.BrokerAddrs()
	})
}
