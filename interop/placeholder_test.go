package interop

import (
	_ "github.com/apache/rocketmq-client-go/v2"
	_ "github.com/rocketmq-go/librocketmq/devbroker"
	_ "github.com/stretchr/testify/require"
)
