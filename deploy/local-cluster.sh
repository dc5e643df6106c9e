#!/usr/bin/env bash
# A real standalone Flink 2.2 session cluster on loopback - one JobManager and two TaskManager JVMs - plus one
# Apache Kafka broker JVM (KRaft), built from Maven Central jars (flink-dist is not published there). RocksDB
# state; checkpoints, savepoints, logs and Kafka's data under one directory. Jobs are submitted with Flink's own
# command line front end, exactly as `flink run` does.
#
#   deploy/local-cluster.sh start                       Kafka + JobManager + 2 TaskManagers; waits until ready
#   deploy/local-cluster.sh submit [JAR] [--key value]  flink run -d (default JAR: job/target/intent-stream-job.jar)
#   deploy/local-cluster.sh start-taskmanager           one more TaskManager (e.g. after one died); prints its id
#   deploy/local-cluster.sh kill-taskmanager ID         kill -9 a TaskManager (ids 1, 2, ... in start order)
#   deploy/local-cluster.sh kafka-topics ARGS...         Kafka's kafka-topics against the local broker
#   deploy/local-cluster.sh kafka-console-consumer ARGS...  Kafka's console consumer against the local broker
#   deploy/local-cluster.sh status                      processes, REST overview, Kafka address
#   deploy/local-cluster.sh stop                        stops everything (TERM, then KILL after 20 s)
#
# Environment (defaults in brackets):
#   LOCAL_CLUSTER_HOME   [deploy/target/local-cluster]  conf/, log/, pids/, checkpoints/, savepoints/, kafka/
#   FLINK_REST_PORT      [8081]   JobManager REST API and web UI
#   FLINK_RPC_PORT       [6123]   JobManager RPC (TaskManagers connect to it)
#   KAFKA_PORT           [9092]   Kafka client listener; the KRaft controller listens on KAFKA_PORT+1
#   PROMETHEUS_PORTS     [9249-9260]  Prometheus reporter; each process takes the next free port of the range
#   TASK_SLOTS           [2]      slots per TaskManager
#   CHECKPOINT_INTERVAL  [10 s]   cluster default; the intent-stream job sets its own (checkpointing.interval)
#   MVN                  [mvn]    how to call Maven for the class paths (e.g. "mvn -o" offline)
set -euo pipefail

DEPLOY_DIR="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
REPO_DIR="$(dirname "$DEPLOY_DIR")"
HOME_DIR="${LOCAL_CLUSTER_HOME:-$DEPLOY_DIR/target/local-cluster}"
REST_PORT="${FLINK_REST_PORT:-8081}"
RPC_PORT="${FLINK_RPC_PORT:-6123}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
KAFKA_CONTROLLER_PORT=$((KAFKA_PORT + 1))
PROMETHEUS_PORTS="${PROMETHEUS_PORTS:-9249-9260}"
TASK_SLOTS="${TASK_SLOTS:-2}"
CHECKPOINT_INTERVAL="${CHECKPOINT_INTERVAL:-10 s}"
MVN="${MVN:-mvn}"

# The class paths are shared by every cluster home: assembling them takes Maven ~15 s, the jars ~280 MB.
LIB_CACHE="$DEPLOY_DIR/target/local-cluster-lib"
FLINK_LIB="$LIB_CACHE/flink/lib"
FLINK_PLUGINS="$LIB_CACHE/flink/plugins"
KAFKA_LIB="$LIB_CACHE/kafka/lib"

CONF_DIR="$HOME_DIR/conf"
LOG_DIR="$HOME_DIR/log"
PID_DIR="$HOME_DIR/pids"
READY_TIMEOUT_SECONDS=120

# Java 17 module opens that Flink's default configuration carries (env.java.opts.all of flink-dist).
JAVA_17_OPENS=(
  --add-exports=java.base/sun.net.util=ALL-UNNAMED
  --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.text=ALL-UNNAMED
  --add-opens=java.base/java.time=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.locks=ALL-UNNAMED
)

log() { echo "[local-cluster] $*" >&2; }
die() { log "error: $*"; exit 1; }

class_paths() {
  local stamp="$LIB_CACHE/.complete"
  if [[ -f "$stamp" && "$stamp" -nt "$DEPLOY_DIR/local-cluster/flink-lib.pom.xml" \
        && "$stamp" -nt "$DEPLOY_DIR/local-cluster/kafka-lib.pom.xml" && "$stamp" -nt "$REPO_DIR/pom.xml" ]]; then
    return
  fi
  log "assembling the Flink and Kafka class paths with Maven into $LIB_CACHE"
  rm -rf "$LIB_CACHE"
  $MVN -B -q -f "$DEPLOY_DIR/local-cluster/flink-lib.pom.xml" package \
    -Dcluster.lib="$FLINK_LIB" -Dcluster.plugins="$FLINK_PLUGINS" >&2
  $MVN -B -q -f "$DEPLOY_DIR/local-cluster/kafka-lib.pom.xml" package -Dcluster.lib="$KAFKA_LIB" >&2
  touch "$stamp"
}

write_flink_config() {
  mkdir -p "$CONF_DIR" "$HOME_DIR/checkpoints" "$HOME_DIR/savepoints" "$HOME_DIR/tmp"
  cat > "$CONF_DIR/config.yaml" <<EOF
# Written by deploy/local-cluster.sh; see docs/operations.md for what each setting is for.
jobmanager:
  rpc: {address: 127.0.0.1, port: $RPC_PORT}
  bind-host: 127.0.0.1
  memory: {process.size: 1024m}
taskmanager:
  bind-host: 127.0.0.1
  host: 127.0.0.1
  numberOfTaskSlots: $TASK_SLOTS
  memory: {process.size: 1280m}
rest:
  address: 127.0.0.1
  bind-address: 127.0.0.1
  port: $REST_PORT
blob.server.port: 0
parallelism.default: 2
io.tmp.dirs: $HOME_DIR/tmp
state.backend.type: rocksdb
state.backend.incremental: true
execution.checkpointing.dir: file://$HOME_DIR/checkpoints
execution.checkpointing.savepoint-dir: file://$HOME_DIR/savepoints
execution.checkpointing.interval: $CHECKPOINT_INTERVAL
# A restart without a free slot fails within a second; 120 attempts 1 s apart outlast a TaskManager replacement.
restart-strategy.type: fixed-delay
restart-strategy.fixed-delay.attempts: 120
restart-strategy.fixed-delay.delay: 1 s
# A killed TaskManager's closed connection is noticed within a second or two; the heartbeat timeout only catches
# hung processes. 15 s instead of 50 s, but not 5 s: on a busy machine a slow JVM misses 5 s and fails the job.
heartbeat.interval: 2000
heartbeat.timeout: 15000
# DJL is in lib/ and loads its native library once per JVM: never through a job's class loader.
classloader.parent-first-patterns.additional: [ai.djl.]
metrics.reporter.prom.factory.class: org.apache.flink.metrics.prometheus.PrometheusReporterFactory
metrics.reporter.prom.port: $PROMETHEUS_PORTS
EOF
  cat > "$CONF_DIR/log4j.properties" <<'EOF'
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = MainAppender
appender.main.name = MainAppender
appender.main.type = File
appender.main.fileName = ${sys:log.file}
appender.main.append = true
appender.main.layout.type = PatternLayout
appender.main.layout.pattern = %d{yyyy-MM-dd HH:mm:ss,SSS} %-5p %-60c %x - %m%n
logger.kafka.name = org.apache.kafka
logger.kafka.level = WARN
EOF
  cp "$CONF_DIR/log4j.properties" "$CONF_DIR/log4j-cli.properties"
}

# Heap, direct and metaspace flags and the derived memory settings, computed by Flink itself as its scripts do.
resource_params() { # GET_JM_RESOURCE_PARAMS | GET_TM_RESOURCE_PARAMS
  local output
  output=$(java -cp "$FLINK_LIB/*" org.apache.flink.runtime.util.bash.BashJavaUtils "$1" --configDir "$CONF_DIR" 2>&1) \
    || die "BashJavaUtils $1 failed: $output"
  echo "$output" | grep '^BASH_JAVA_UTILS_EXEC_RESULT:' | sed 's/^BASH_JAVA_UTILS_EXEC_RESULT://'
}

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# setsid: the daemons must outlive the shell (and a `timeout` around it) that started them.
start_daemon() { # name pidfile logfile java-args...
  local name="$1" pidfile="$2" logfile="$3"
  shift 3
  alive "$pidfile" && die "$name is already running (pid $(cat "$pidfile"))"
  mkdir -p "$PID_DIR" "$LOG_DIR"
  # The new session's shell writes its own pid and becomes the JVM (exec), so the pid file names the JVM.
  setsid bash -c 'echo $$ > "$0"; exec java "$@"' "$pidfile" "$@" > "$logfile.out" 2>&1 < /dev/null &
  local deadline=$((SECONDS + 10))
  until [[ -s "$pidfile" ]]; do
    ((SECONDS < deadline)) || die "$name did not start"
    sleep 0.05
  done
  log "$name started, pid $(cat "$pidfile"), log $logfile"
}

start_kafka() {
  local data="$HOME_DIR/kafka/data" props="$HOME_DIR/kafka/server.properties"
  mkdir -p "$data"
  cat > "$props" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$data
# One node: internal topics cannot have 3 replicas.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=false
# Flink's exactly-once sinks keep a transaction open across a checkpoint interval plus recovery.
transaction.max.timeout.ms=3600000
# Replays carry historical event times into record timestamps: no time-based retention.
log.retention.ms=-1
EOF
  local kafka_java=(-Xms256m -Xmx512m -Dlog4j2.configurationFile="file:$CONF_DIR/log4j.properties"
    -Dlog.file="$LOG_DIR/kafka.log" -cp "$KAFKA_LIB/*")
  if [[ ! -f "$data/meta.properties" ]]; then
    local cluster_id
    cluster_id=$(java "${kafka_java[@]}" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n1)
    java "${kafka_java[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$props" > "$LOG_DIR/kafka-format.out" 2>&1 \
      || die "formatting Kafka's storage failed: $(cat "$LOG_DIR/kafka-format.out")"
  fi
  start_daemon "Kafka broker" "$PID_DIR/kafka.pid" "$LOG_DIR/kafka.log" "${kafka_java[@]}" kafka.Kafka "$props"
}

start_jobmanager() {
  local params jvm dynamic
  params=$(resource_params GET_JM_RESOURCE_PARAMS)
  jvm=$(echo "$params" | head -n1)
  dynamic=$(echo "$params" | tail -n1)
  # shellcheck disable=SC2086 # the flags are whitespace-separated words by contract
  start_daemon "JobManager" "$PID_DIR/jobmanager.pid" "$LOG_DIR/jobmanager.log" \
    $jvm "${JAVA_17_OPENS[@]}" -Dai.djl.offline=true \
    -Dlog.file="$LOG_DIR/jobmanager.log" -Dlog4j2.configurationFile="file:$CONF_DIR/log4j.properties" \
    -cp "$FLINK_LIB/*" org.apache.flink.runtime.entrypoint.StandaloneSessionClusterEntrypoint \
    --configDir "$CONF_DIR" $dynamic
}

next_taskmanager_id() {
  local id=1
  # Never reuse a killed TaskManager's id: it is also the Flink resource id, which must be new for a new process.
  while [[ -f "$PID_DIR/taskmanager-$id.pid" || -f "$PID_DIR/taskmanager-$id.pid.killed" ]]; do id=$((id + 1)); done
  echo "$id"
}

start_taskmanager() {
  local id params jvm dynamic
  id=$(next_taskmanager_id)
  # Every TaskManager has the same configuration: ask Flink once per cluster home.
  if [[ ! -s "$CONF_DIR/taskmanager-resource-params" ]]; then
    resource_params GET_TM_RESOURCE_PARAMS > "$CONF_DIR/taskmanager-resource-params"
  fi
  params=$(cat "$CONF_DIR/taskmanager-resource-params")
  jvm=$(echo "$params" | head -n1)
  dynamic=$(echo "$params" | tail -n1)
  # shellcheck disable=SC2086
  FLINK_PLUGINS_DIR="$FLINK_PLUGINS" start_daemon "TaskManager $id" "$PID_DIR/taskmanager-$id.pid" \
    "$LOG_DIR/taskmanager-$id.log" \
    $jvm "${JAVA_17_OPENS[@]}" -Dai.djl.offline=true \
    -Dlog.file="$LOG_DIR/taskmanager-$id.log" -Dlog4j2.configurationFile="file:$CONF_DIR/log4j.properties" \
    -cp "$FLINK_LIB/*" org.apache.flink.runtime.taskexecutor.TaskManagerRunner \
    --configDir "$CONF_DIR" -D taskmanager.resource-id="taskmanager-$id" $dynamic
  echo "$id"
}

rest() { curl -sf --max-time 5 "http://127.0.0.1:$REST_PORT$1"; }

running_taskmanagers() { rest /taskmanagers | grep -o '"id":"[^"]*"' | wc -l; }

wait_for() { # description seconds command...
  local what="$1" seconds="$2"
  shift 2
  local deadline=$((SECONDS + seconds))
  until "$@" > /dev/null 2>&1; do
    ((SECONDS < deadline)) || die "$what not ready after ${seconds} s (logs in $LOG_DIR)"
    sleep 0.5
  done
}

kafka_ready() { (exec 3<>"/dev/tcp/127.0.0.1/$KAFKA_PORT") 2>/dev/null && grep -q "Kafka Server started" "$LOG_DIR/kafka.log"; }

taskmanagers_registered() { [[ "$(running_taskmanagers)" -ge "$1" ]]; }

cmd_start() {
  class_paths
  write_flink_config
  rm -f "$CONF_DIR/taskmanager-resource-params"
  mkdir -p "$LOG_DIR" "$PID_DIR"
  start_kafka
  FLINK_PLUGINS_DIR="$FLINK_PLUGINS" start_jobmanager
  start_taskmanager > /dev/null
  start_taskmanager > /dev/null
  wait_for "Kafka broker on 127.0.0.1:$KAFKA_PORT" "$READY_TIMEOUT_SECONDS" kafka_ready
  wait_for "JobManager REST API on port $REST_PORT" "$READY_TIMEOUT_SECONDS" rest /overview
  wait_for "two TaskManagers" "$READY_TIMEOUT_SECONDS" taskmanagers_registered 2
  log "ready: Flink REST http://127.0.0.1:$REST_PORT, Kafka 127.0.0.1:$KAFKA_PORT, home $HOME_DIR"
}

cmd_submit() {
  local jar="$REPO_DIR/job/target/intent-stream-job.jar"
  if [[ $# -gt 0 && "$1" != --* ]]; then
    jar="$1"
    shift
  fi
  [[ -f "$jar" ]] || die "job jar $jar not found (mvn -pl job -am package -DskipTests builds it)"
  local output
  # The CLI front end is what `flink run` executes; -d returns once the JobManager accepted the job.
  output=$(FLINK_CONF_DIR="$CONF_DIR" java "${JAVA_17_OPENS[@]}" -Dai.djl.offline=true \
      -Dlog.file="$LOG_DIR/client.log" -Dlog4j2.configurationFile="file:$CONF_DIR/log4j-cli.properties" \
      -cp "$FLINK_LIB/*" org.apache.flink.client.cli.CliFrontend \
      run -d -c io.intentstream.job.IntentStreamJob "$jar" "$@" 2>&1) || die "submission failed: $output"
  local job_id
  job_id=$(echo "$output" | grep -o 'JobID [0-9a-f]\{32\}' | awk '{print $2}' | tail -n1)
  [[ -n "$job_id" ]] || die "no job id in the client's output: $output"
  log "submitted job $job_id"
  echo "$job_id"
}

cmd_kill_taskmanager() {
  local pidfile="$PID_DIR/taskmanager-${1:?taskmanager id}.pid"
  alive "$pidfile" || die "TaskManager $1 is not running"
  kill -9 "$(cat "$pidfile")"
  mv "$pidfile" "$pidfile.killed"
  log "TaskManager $1 killed (SIGKILL)"
}

stop_process() { # name pidfile
  local pidfile="$2"
  if alive "$pidfile"; then
    local pid
    pid=$(cat "$pidfile")
    kill "$pid" 2>/dev/null || true
    local deadline=$((SECONDS + 20))
    while kill -0 "$pid" 2>/dev/null && ((SECONDS < deadline)); do sleep 0.2; done
    if kill -0 "$pid" 2>/dev/null; then
      log "$1 (pid $pid) ignored TERM for 20 s: KILL"
      kill -9 "$pid" 2>/dev/null || true
    fi
    log "$1 stopped"
  fi
  rm -f "$pidfile"
}

cmd_stop() {
  local pidfile
  for pidfile in "$PID_DIR"/taskmanager-*.pid; do
    [[ -e "$pidfile" ]] || continue
    stop_process "TaskManager $(basename "$pidfile" .pid | sed 's/taskmanager-//')" "$pidfile"
  done
  rm -f "$PID_DIR"/taskmanager-*.pid.killed
  stop_process "JobManager" "$PID_DIR/jobmanager.pid"
  stop_process "Kafka broker" "$PID_DIR/kafka.pid"
}

cmd_status() {
  local pidfile
  for pidfile in "$PID_DIR"/*.pid; do
    [[ -e "$pidfile" ]] || continue
    if alive "$pidfile"; then state=running; else state=dead; fi
    echo "$(basename "$pidfile" .pid): pid $(cat "$pidfile") $state"
  done
  echo "rest: $(rest /overview || echo unreachable)"
  echo "kafka: 127.0.0.1:$KAFKA_PORT"
}

kafka_tool() { # main-class args...
  local main="$1"
  shift
  java -Dlog4j2.configurationFile="file:$CONF_DIR/log4j-cli.properties" -Dlog.file="$LOG_DIR/kafka-tools.log" \
    -cp "$KAFKA_LIB/*" "$main" --bootstrap-server "127.0.0.1:$KAFKA_PORT" "$@"
}

case "${1:-}" in
  start) cmd_start ;;
  submit) shift; cmd_submit "$@" ;;
  start-taskmanager) class_paths; start_taskmanager ;;
  kill-taskmanager) cmd_kill_taskmanager "${2:-}" ;;
  kafka-topics) shift; kafka_tool org.apache.kafka.tools.TopicCommand "$@" ;;
  kafka-console-consumer) shift; kafka_tool org.apache.kafka.tools.consumer.ConsoleConsumer "$@" ;;
  status) cmd_status ;;
  stop) cmd_stop ;;
  *) sed -n "2,24p" "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
