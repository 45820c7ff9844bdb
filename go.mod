module github.com/rocketmq-go/librocketmq

go 1.24

require (
	github.com/panjf2000/ants/v2 v2.12.1 // indirect
	github.com/stretchr/testify v1.12.1 // indirect
	github.com/valyala/bytebufferpool v1.0.0 // indirect
	go.yaml.in/yaml/v3 v3.0.5 // indirect
	golang.org/x/sync v0.11.0 // indirect
)
