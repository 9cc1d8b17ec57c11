/**
 * Open files of one client: {@link io.tarn.client.file.OpenFile} gathers writes into block buffers,
 * uploads full blocks while the application keeps writing, serves reads from its own unflushed data,
 * and commits block maps on flush; {@link io.tarn.client.file.WriteBudget} bounds the memory all open
 * files may hold in such buffers; {@link io.tarn.client.file.BlockIds} hands out fresh block ids.
 * Names and permissions are not handled here (see {@link io.tarn.client.TarnVfs}).
 */
package io.tarn.client.file;
