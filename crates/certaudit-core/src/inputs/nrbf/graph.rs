//! The object graph: [`Raw`] records turned into [`Value`]s, each referenced object
//! materialised once and shared after that; cycles, depth, values and bytes bounded.

use std::collections::HashMap;
use std::rc::Rc;

use super::records::{Raw, Records};
use super::{NrbfError, Object, Value, MAX_BYTES, MAX_DEPTH, MAX_VALUES};

/// The root value of a stream's records, with references resolved.
pub(super) fn resolve(mut records: Records) -> Result<Value, NrbfError> {
    let mut resolver = Resolver {
        objects: &records.objects,
        done: HashMap::new(),
        in_progress: Vec::new(),
        values: MAX_VALUES,
        bytes: MAX_BYTES,
    };
    match records.root_id.filter(|id| records.objects.contains_key(id)) {
        Some(id) => resolver.reference(id, 0),
        None => {
            let first = records.first_object.take().ok_or(NrbfError::NoRoot)?;
            resolver.resolve(&first, 0)
        }
    }
}
/// Turns the records into values, each referenced object once (`done`), shared after that.
struct Resolver<'a> {
    objects: &'a HashMap<i32, Raw>,
    done: HashMap<i32, Value>,
    /// Objects being resolved: met again, they are a reference cycle.
    in_progress: Vec<i32>,
    /// What may still be materialised.
    values: usize,
    bytes: usize,
}

impl Resolver<'_> {
    fn count(&mut self, values: usize, bytes: usize) -> Result<(), NrbfError> {
        self.values = self.values.checked_sub(values).ok_or(NrbfError::TooManyValues)?;
        self.bytes = self.bytes.checked_sub(bytes).ok_or(NrbfError::TooManyBytes)?;
        Ok(())
    }

    fn reference(&mut self, id: i32, depth: usize) -> Result<Value, NrbfError> {
        if let Some(v) = self.done.get(&id) {
            return Ok(v.clone());
        }
        let Some(raw) = self.objects.get(&id) else {
            return Ok(Value::Null);
        };
        if self.in_progress.contains(&id) {
            return Err(NrbfError::TooDeep);
        }
        self.in_progress.push(id);
        let value = self.resolve(raw, depth + 1);
        self.in_progress.pop();
        let value = value?;
        self.done.insert(id, value.clone());
        Ok(value)
    }

    fn resolve(&mut self, raw: &Raw, depth: usize) -> Result<Value, NrbfError> {
        if depth > MAX_DEPTH {
            return Err(NrbfError::TooDeep);
        }
        self.count(1, 0)?;
        Ok(match raw {
            Raw::Value(v) => {
                let bytes = match v {
                    Value::String(s) => s.len(),
                    Value::Bytes(b) => b.len(),
                    _ => 0,
                };
                self.count(0, bytes)?;
                v.clone()
            }
            Raw::Nulls(_) => Value::Null,
            Raw::Ref(id) => self.reference(*id, depth)?,
            Raw::Object { class, members } => {
                let mut resolved = Vec::with_capacity(members.len());
                for (n, v) in members {
                    resolved.push((n.clone(), self.resolve(v, depth + 1)?));
                }
                Value::Object(Rc::new(Object {
                    class: class.clone(),
                    members: resolved,
                }))
            }
            Raw::Array(items) => {
                let mut out = Vec::with_capacity(items.len().min(4096));
                for item in items {
                    match item {
                        Raw::Nulls(n) => {
                            self.count(*n, 0)?;
                            out.extend(std::iter::repeat_n(Value::Null, *n));
                        }
                        other => out.push(self.resolve(other, depth + 1)?),
                    }
                }
                Value::Array(out.into())
            }
        })
    }
}
