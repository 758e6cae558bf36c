# Concierge — the two commands a new user needs are `make run` and `make test`.
GO      ?= go
CONFIG  ?= examples/maison-lumiere.yaml
DB      ?= sqlite:concierge.db
ADDR    ?= :8080

.PHONY: run test bench lint build chat validate check-examples quality

build:
	$(GO) build -o bin/concierge ./cmd/concierge

## run: the shop on its embedded default (SQLite, web widget, rules brain, sandbox payments)
run: build
	./bin/concierge serve --config $(CONFIG) --db $(DB) --addr $(ADDR)

## chat: the same shop in the terminal
chat: build
	./bin/concierge chat --config $(CONFIG) --db $(DB)

validate: build
	./bin/concierge validate $(CONFIG)

## test: every test; PostgreSQL and Chromium tests skip without them (and fail with CI=true)
test:
	$(GO) vet ./...
	$(GO) test -count=1 -timeout 20m ./...

## check-examples: the sample shop's conversation tests, through the real pipeline (docs/testing.md)
check-examples: build
	./bin/concierge test --config examples/maison-lumiere.yaml examples/tests/maison-lumiere.yaml examples/tests/maison-lumiere-understanding.yaml

## bench: Go benchmarks and the load generator against the real binary
bench: build
	$(GO) test -run '^$$' -bench . -benchmem ./agent/catalog ./agent/nlu ./agent/langid
	$(GO) test -run '^$$' -bench . -benchtime 1x ./catalogindex
	$(GO) test -run '^$$' -bench BenchmarkLoadBigFile -benchtime 3x -benchmem ./config
	$(GO) test -run '^$$' -bench BenchmarkTurns -benchtime 20000x ./cmd/concierge
	$(GO) test -run '^$$' -bench . -benchtime 300x ./store
	$(GO) run ./cmd/loadgen -bin ./bin/concierge
	$(GO) run ./cmd/loadgen -bin ./bin/concierge -channel telegram -platform-latency 0s,10ms,20ms,50ms

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

## quality: understanding measured on the shops of docs/quality.md — the
## dev set of examples/shops (tuned on) and every held-out set (blind sets,
## spent once run and tuned on after); not part of `make test`.
## QUALITY_SETS=examples/shops9/tests/heldout runs one.
QUALITY_SETS ?= examples/shops/tests/dev examples/shops/tests/heldout \
	examples/shops2/tests/heldout examples/shops3/tests/heldout examples/shops4/tests/heldout \
	examples/shops5/tests/heldout examples/shops6/tests/heldout examples/shops7/tests/heldout \
	examples/shops8/tests/heldout examples/shops9/tests/heldout \
	examples/shops10/tests/heldout examples/shops11/tests/heldout examples/shops12/tests/heldout \
	examples/shops13/tests/heldout examples/shops14/tests/heldout \
	examples/shops15/tests/heldout examples/shops16/tests/heldout \
	examples/shops17/tests/heldout examples/shops18/tests/heldout \
	examples/shops19/tests/heldout examples/shops20/tests/heldout \
	examples/shops21/tests/heldout examples/shops22/tests/heldout \
	examples/shops23/tests/heldout examples/shops24/tests/heldout \
	examples/shops25/tests/heldout examples/shops26/tests/heldout \
	examples/shops27/tests/heldout examples/shops28/tests/heldout \
	examples/shops29/tests/heldout examples/shops30/tests/heldout \
	examples/shops31/tests/heldout examples/shops32/tests/heldout \
	examples/shops33/tests/heldout examples/shops34/tests/heldout \
	examples/shops35/tests/heldout \
	examples/shops36/tests/heldout \
	examples/shops37/tests/heldout \
	examples/shops38/tests/heldout
quality: build
	@for set in $(QUALITY_SETS); do \
		echo "== $$set"; \
		./bin/concierge test --summary --config $${set%/tests/*} $$set/*.yaml | sed -n '/^Summary/,$$p'; \
	done
