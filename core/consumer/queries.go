package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/rocketmq-go/librocketmq/core/client"
	"github.com/rocketmq-go/librocketmq/core/remoting"
	"github.com/rocketmq-go/librocketmq/core/route"
)

// The requests consumers make besides pulls and offsets, each a plain function of the client.

// masterAddr finds a broker's master, refreshing the topic's route once when no cached route
// knows it.
func masterAddr(ctx context.Context, cl *client.Client, mq route.MessageQueue) (string, error) {
	if a := cl.BrokerAddr(mq.BrokerName); a != "" {
		return a, nil
	}
	if _, err := cl.UpdateRoute(ctx, mq.Topic); err != nil {
		return "", err
	}
	if a := cl.BrokerAddr(mq.BrokerName); a != "" {
		return a, nil
	}
	return "", fmt.Errorf("%w: %s", ErrBrokerNotFound, mq.BrokerName)
}

func invoke(ctx context.Context, cl *client.Client, addr string, req *remoting.Command, timeout time.Duration) (*remoting.Command, error) {
	resp, err := cl.Remote().InvokeSync(ctx, addr, req, timeout)
	if err != nil {
		return nil, err
	}
	if resp.Code != remoting.Success {
		return resp, resp.AsError()
	}
	return resp, nil
}

func queueOffsetRequest(ctx context.Context, cl *client.Client, code int32, mq route.MessageQueue, extra map[string]string) (int64, error) {
	addr, err := masterAddr(ctx, cl, mq)
	if err != nil {
		return -1, err
	}
	ext := map[string]string{"topic": mq.Topic, "queueId": strconv.Itoa(mq.QueueID), "bname": mq.BrokerName}
	for k, v := range extra {
		ext[k] = v
	}
	resp, err := invoke(ctx, cl, addr, remoting.NewRequest(code, ext, nil), cl.RequestTimeout())
	if err != nil {
		return -1, err
	}
	o, err := strconv.ParseInt(resp.Ext("offset"), 10, 64)
	if err != nil {
		return -1, fmt.Errorf("consumer: broker sent offset %q", resp.Ext("offset"))
	}
	return o, nil
}

// maxOffset is GET_MAX_OFFSET: the offset the queue's next message will get.
func maxOffset(ctx context.Context, cl *client.Client, mq route.MessageQueue) (int64, error) {
	return queueOffsetRequest(ctx, cl, remoting.GetMaxOffset, mq, nil)
}

// searchOffset is SEARCH_OFFSET_BY_TIMESTAMP.
func searchOffset(ctx context.Context, cl *client.Client, mq route.MessageQueue, t time.Time) (int64, error) {
	return queueOffsetRequest(ctx, cl, remoting.SearchOffsetByTimestamp, mq,
		map[string]string{"timestamp": strconv.FormatInt(t.UnixMilli(), 10)})
}

// consumerIDs is GET_CONSUMER_LIST_BY_GROUP, asked of the topic's brokers in turn until one
// answers.
func consumerIDs(ctx context.Context, cl *client.Client, r *route.TopicRouteData, group string) ([]string, error) {
	var errs []error
	for _, addr := range r.BrokerAddrs() {
		resp, err := invoke(ctx, cl, addr, remoting.NewRequest(remoting.GetConsumerListByGroup,
			map[string]string{"consumerGroup": group}, nil), cl.RequestTimeout())
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var body struct {
			ConsumerIDList []string `json:"consumerIdList"`
		}
		if err := json.Unmarshal(resp.Body, &body); err != nil {
			errs = append(errs, fmt.Errorf("consumer: consumer list from %s: %w", addr, err))
			continue
		}
		return body.ConsumerIDList, nil
	}
	if len(errs) == 0 {
		return nil, errors.New("consumer: the route has no broker")
	}
	return nil, errors.Join(errs...)
}

type lockBody struct {
	ConsumerGroup string               `json:"consumerGroup"`
	ClientID      string               `json:"clientId"`
	MQSet         []route.MessageQueue `json:"mqSet"`
}

// lockQueues is LOCK_BATCH_MQ: it returns the queues of one broker this client now holds.
func lockQueues(ctx context.Context, cl *client.Client, group, addr string, mqs []route.MessageQueue) ([]route.MessageQueue, error) {
	body, err := json.Marshal(lockBody{ConsumerGroup: group, ClientID: cl.ID(), MQSet: mqs})
	if err != nil {
		return nil, err
	}
	resp, err := invoke(ctx, cl, addr, remoting.NewRequest(remoting.LockBatchMQ, nil, body), cl.RequestTimeout())
	if err != nil {
		return nil, err
	}
	var ok struct {
		LockOKMQSet []route.MessageQueue `json:"lockOKMQSet"`
	}
	if err := json.Unmarshal(resp.Body, &ok); err != nil {
		return nil, fmt.Errorf("consumer: lock answer from %s: %w", addr, err)
	}
	return ok.LockOKMQSet, nil
}

// unlockQueues is UNLOCK_BATCH_MQ.
func unlockQueues(ctx context.Context, cl *client.Client, group, addr string, mqs []route.MessageQueue) error {
	body, err := json.Marshal(lockBody{ConsumerGroup: group, ClientID: cl.ID(), MQSet: mqs})
	if err != nil {
		return err
	}
	_, err = invoke(ctx, cl, addr, remoting.NewRequest(remoting.UnlockBatchMQ, nil, body), cl.RequestTimeout())
	return err
}
