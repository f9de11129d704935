#!/usr/bin/env bash
# The example job through spark-submit's own entry point (org.apache.spark.deploy.SparkSubmit)
# on a real standalone cluster on loopback: a master and a worker, each a JVM of its own, and
# executor JVMs that the worker starts. The executors get the spark-submit jar over the
# network from the driver and load the native kernel from inside it, as on a real cluster.
#
# usage: standalone-cluster.sh <all-jar> <provided-classpath-file> <work-dir>
# Needs no Spark distribution: SPARK_HOME is laid out from the Maven jars (RELEASE + jars/).
set -euo pipefail
all_jar=$1 classpath_file=$2 work=$3
rm -rf "$work" && mkdir -p "$work/home/jars" "$work/logs"
export SPARK_HOME=$work/home
# Without a distribution's build folders, the launcher that builds executor commands asks for it.
export SPARK_SCALA_VERSION=2.13
touch "$SPARK_HOME/RELEASE"
tr ':' '\n' < "$classpath_file" | while read -r jar; do ln -s "$jar" "$SPARK_HOME/jars/"; done
java_cmd=(java -cp "$SPARK_HOME/jars/*" -Xmx512m)
master_port=$(( 20000 + RANDOM % 20000 ))
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

"${java_cmd[@]}" org.apache.spark.deploy.master.Master --host 127.0.0.1 --port "$master_port" --webui-port 0 \
  > "$work/logs/master.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q "I have been elected leader" "$work/logs/master.log" && break; sleep 1; done
"${java_cmd[@]}" org.apache.spark.deploy.worker.Worker "spark://127.0.0.1:$master_port" --host 127.0.0.1 \
  --cores 2 --memory 2g --webui-port 0 --work-dir "$work/worker" > "$work/logs/worker.log" 2>&1 &
pids+=($!)
for _ in $(seq 60); do grep -q "Successfully registered with master" "$work/logs/worker.log" && break; sleep 1; done
grep -q "Successfully registered with master" "$work/logs/worker.log" || { cat "$work/logs/"*.log; exit 1; }

# What bin/spark-submit runs, with the flags its launcher adds for the driver (client mode).
status=0
java $(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$(dirname "$0")/../pom.xml") -Xmx1g \
  -cp "$SPARK_HOME/jars/*" org.apache.spark.deploy.SparkSubmit \
  --master "spark://127.0.0.1:$master_port" --conf spark.task.cpus=1 --conf spark.executor.memory=1g \
  --conf spark.driver.host=127.0.0.1 --conf spark.driver.bindAddress=127.0.0.1 --conf spark.ui.enabled=false \
  --conf spark.driver.extraJavaOptions=--enable-native-access=ALL-UNNAMED \
  --conf spark.executor.extraJavaOptions=--enable-native-access=ALL-UNNAMED \
  --class io.github.matmulffm.spark.example.ScaleOutJob "$all_jar" 600 128 > "$work/logs/submit.log" 2>&1 || status=$?
grep -E "^(kernel:|executors:|A \* A|top 10)" "$work/logs/submit.log" | cut -c1-240 || true
# The executors are the worker's own JVMs: their logs show where the kernel came from.
executors=$(find "$work/worker" -name stderr | wc -l)
echo "executor JVMs started by the worker: $executors"
# Each executor must have loaded the kernel from the copy of the jar that it fetched itself.
if [ "$status" -ne 0 ] || [ "$executors" -lt 1 ] || ! grep -q "^A \* A" "$work/logs/submit.log" \
   || ! grep -q "^executors: \[.*worker/app-.*matmul-ffm-spark-.*-all.jar!/META-INF/native/" "$work/logs/submit.log"; then
  echo "the standalone-cluster run failed (status $status); logs:" >&2
  tail -50 "$work/logs/submit.log" >&2
  find "$work/worker" -name stderr -exec tail -30 {} \; >&2
  exit 1
fi
