package client

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"time"

	"github.com/rocketmq-go/librocketmq/core/message"
	"github.com/rocketmq-go/librocketmq/core/remoting"
)

// HeartbeatData is the body of HEART_BEAT: the groups this client serves.
type HeartbeatData struct {
	ClientID        string         `json:"clientID"`
	ProducerDataSet []ProducerData `json:"producerDataSet"`
	ConsumerDataSet []ConsumerData `json:"consumerDataSet"`
}

// ProducerData announces a producer group.
type ProducerData struct {
	GroupName string `json:"groupName"`
}

// ConsumerData announces a consumer group and its subscriptions.
type ConsumerData struct {
	GroupName           string             `json:"groupName"`
	ConsumeType         string             `json:"consumeType"`      // CONSUME_PASSIVELY (push) or CONSUME_ACTIVELY (pull)
	MessageModel        string             `json:"messageModel"`     // CLUSTERING or BROADCASTING
	ConsumeFromWhere    string             `json:"consumeFromWhere"` // CONSUME_FROM_LAST_OFFSET, ...
	SubscriptionDataSet []SubscriptionData `json:"subscriptionDataSet"`
	UnitMode            bool               `json:"unitMode"`
}

// SubscriptionData is one topic subscription as brokers filter by it.
type SubscriptionData struct {
	ClassFilterMode bool     `json:"classFilterMode"`
	Topic           string   `json:"topic"`
	SubString       string   `json:"subString"`
	TagsSet         []string `json:"tagsSet"`
	CodeSet         []int32  `json:"codeSet"`
	SubVersion      int64    `json:"subVersion"`
	ExpressionType  string   `json:"expressionType"`
}

// NewSubscription builds the subscription for a tag expression ("*", "TagA || TagB").
func NewSubscription(topic, expression string) SubscriptionData {
	if expression == "" {
		expression = message.SubscribeAll
	}
	tags, codes := message.ParseTagExpression(expression)
	if tags == nil {
		tags, codes = []string{}, []int32{}
	}
	return SubscriptionData{Topic: topic, SubString: expression, TagsSet: tags, CodeSet: codes,
		SubVersion: time.Now().UnixNano() / int64(time.Millisecond), ExpressionType: "TAG"}
}

func (c *Client) heartbeatData() (HeartbeatData, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	hb := HeartbeatData{ClientID: c.id, ProducerDataSet: []ProducerData{}, ConsumerDataSet: []ConsumerData{}}
	for group := range c.producers {
		hb.ProducerDataSet = append(hb.ProducerDataSet, ProducerData{GroupName: group})
	}
	for _, cons := range c.consumers {
		hb.ConsumerDataSet = append(hb.ConsumerDataSet, cons.ConsumerData())
	}
	return hb, len(hb.ConsumerDataSet) > 0
}

// SendHeartbeat tells every broker known from the cached routes which groups this client
// serves: masters only for a producer-only client (producers write to masters), every
// broker when it has consumers (they may pull from slaves). It returns the first error, after
// trying every broker.
func (c *Client) SendHeartbeat(ctx context.Context) error {
	hb, withConsumers := c.heartbeatData()
	if len(hb.ProducerDataSet) == 0 && len(hb.ConsumerDataSet) == 0 {
		return nil
	}
	body, err := json.Marshal(hb)
	if err != nil {
		return err
	}
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, addr := range c.brokerAddrs(!withConsumers) {
		wg.Add(1)
		go func(addr string) { // brokers are few; one slow broker must not delay the others
			defer wg.Done()
			resp, err := c.remote.InvokeSync(ctx, addr, remoting.NewRequest(remoting.HeartBeat, nil, body), c.cfg.RequestTimeout)
			if err == nil && resp.Code != remoting.Success {
				err = resp.AsError()
			}
			if err != nil {
				c.log.Warn("heartbeat failed", "broker", addr, "err", err)
				mu.Lock()
				errs = append(errs, err)
				mu.Unlock()
			}
		}(addr)
	}
	wg.Wait()
	return errors.Join(errs...)
}

// unregister tells every broker that this client no longer serves a group.
func (c *Client) unregister(ctx context.Context, producerGroup, consumerGroup string) {
	ext := map[string]string{"clientID": c.id}
	if producerGroup != "" {
		ext["producerGroup"] = producerGroup
	}
	if consumerGroup != "" {
		ext["consumerGroup"] = consumerGroup
	}
	for _, addr := range c.brokerAddrs(false) {
		if _, err := c.remote.InvokeSync(ctx, addr, remoting.NewRequest(remoting.UnregisterClient, ext, nil), c.cfg.RequestTimeout); err != nil {
			c.log.Debug("unregister failed", "broker", addr, "err", err)
		}
	}
}
