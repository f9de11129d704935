package io.github.matmulffm.spark;

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.mllib.linalg.Matrix;
import org.apache.spark.rdd.RDD;
import scala.Function1;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

import java.io.Serializable;

/**
 * RDDs of blocks with the element type Scala expects. An RDD made by Spark's Java API
 * carries the class tag of Object, and Spark's own BlockMatrix code (multiply, validate)
 * collects blocks into a {@code Tuple2[]} with that tag, which fails with a
 * ClassCastException. The blocks this module returns carry the right tag.
 */
final class Rdds {
    private Rdds() {
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    static RDD<Tuple2<Tuple2<Object, Object>, Matrix>> blocks(JavaRDD<Tuple2<Tuple2<Object, Object>, Matrix>> blocks) {
        ClassTag<Tuple2<Tuple2<Object, Object>, Matrix>> tag = (ClassTag) ClassTag$.MODULE$.apply(Tuple2.class);
        Function1<Tuple2<Tuple2<Object, Object>, Matrix>, Tuple2<Tuple2<Object, Object>, Matrix>> same =
                (Function1<Tuple2<Tuple2<Object, Object>, Matrix>, Tuple2<Tuple2<Object, Object>, Matrix>> & Serializable) x -> x;
        return blocks.rdd().map(same, tag);
    }
}
