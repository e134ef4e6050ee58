// The adapter lives in @lanes/core so the executor (which may not import derive) shares it.
export { blobVersionedHash, commitmentToVersionedHash, loadKzg } from '@lanes/core'
