// SPDX-License-Identifier: GPL-2.0 OR MIT
/*
 * /dev/sidecarN: the user-space interface of a node (sidecar/uapi.h,
 * docs/driver.md) and its sysfs attributes.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/poll.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/uaccess.h>

#include <sidecar/control_ops.h>
#include <sidecar/uapi.h>

#include "sidecar_drv.h"
#include "watchdog.h"

/* cmd_state.c's errno values are Linux's. */
static_assert(SCMD_ENOENT == ENOENT && SCMD_EIO == EIO && SCMD_EBUSY == EBUSY &&
	      SCMD_EINVAL == EINVAL);

static int sidecar_open(struct inode *inode, struct file *file)
{
	/* misc_open() left our struct miscdevice here. */
	struct miscdevice *misc = file->private_data;
	struct sidecar_node *node = container_of(misc, struct sidecar_node, misc);
	struct sidecar_file *f;

	f = kvzalloc(struct_size(f, ring, node->cpu_count), GFP_KERNEL);
	if (!f)
		return -ENOMEM;
	f->node = node;
	scmd_file_init(&f->cmd, &node->cmd, f->ring);
	file->private_data = f;
	return stream_open(inode, file);
}

/*
 * RUN: start, then sleep until the CPU is IDLE again (woken by the
 * response interrupt's scan, whose acquire makes the response visible).
 *
 * A signal stops the command (RUN -> STOP and another request IPI; OpenHCL
 * sends none and the CPU only notices at its next exit) and waits for it
 * to end, then returns as if no signal had come: 0 and the command page
 * holds the outcome, as OpenHCL's driver does and its client expects (any
 * RUN error fails its command). Not EINTR, not ERESTARTSYS: a restart
 * would run the command page again. The wait after the signal is
 * uninterruptible but bounded: the watchdog escalates an unanswered STOP
 * to an NMI and gives the CPU up after the NMI bound (node.c), so it ends
 * within sidecar_stop_bound(); after that the CPU is lost (EIO).
 */
static long sidecar_ioctl_run(struct sidecar_file *f, unsigned int i)
{
	struct sidecar_node *node = f->node;
	struct sidecar_node_vp *c = &node->vps[i];
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&node->lock, flags);
	ret = scmd_start_locked(&node->cmd, &f->cmd, i, false);
	spin_unlock_irqrestore(&node->lock, flags);
	if (ret)
		return ret;

	if (wait_event_interruptible(c->wq, scmd_ended(&node->cmd, i))) {
		spin_lock_irqsave(&node->lock, flags);
		scmd_cancel_locked(&node->cmd, i);
		spin_unlock_irqrestore(&node->lock, flags);
		if (!wait_event_timeout(c->wq, scmd_ended(&node->cmd, i), sidecar_stop_bound())) {
			spin_lock_irqsave(&node->lock, flags);
			sidecar_expire_vp_locked(node, i);
			spin_unlock_irqrestore(&node->lock, flags);
		}
	}

	spin_lock_irqsave(&node->lock, flags);
	ret = scmd_run_finish_locked(&node->cmd, i);
	spin_unlock_irqrestore(&node->lock, flags);
	return ret;
}

/* START (asynchronous RUN) or STOP of one CPU's command; both answer at once. */
static long sidecar_ioctl_start_stop(struct sidecar_file *f, unsigned int cmd, unsigned int i)
{
	struct sidecar_node *node = f->node;
	unsigned long flags;
	int ret;

	spin_lock_irqsave(&node->lock, flags);
	if (cmd == SIDECAR_IOCTL_START)
		ret = scmd_start_locked(&node->cmd, &f->cmd, i, true);
	else
		ret = scmd_stop_locked(&node->cmd, &f->cmd, i);
	spin_unlock_irqrestore(&node->lock, flags);
	return ret;
}

static long sidecar_ioctl_info(struct sidecar_file *f, unsigned long arg)
{
	struct sidecar_ioctl_info info = {
		.base_cpu = f->node->base_cpu,
		.cpu_count = f->node->cpu_count,
		.per_cpu_shmem = SIDECAR_SHMEM_PER_CPU,
	};

	if (copy_to_user((void __user *)arg, &info, sizeof(info)))
		return -EFAULT;
	return 0;
}

static long sidecar_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct sidecar_file *f = file->private_data;
	unsigned int i;
	int ret;

	if (cmd == SIDECAR_IOCTL_INFO)
		return sidecar_ioctl_info(f, arg);
	if (cmd != SIDECAR_IOCTL_RUN && cmd != SIDECAR_IOCTL_START && cmd != SIDECAR_IOCTL_STOP)
		return -ENOTTY;
	/*
	 * RUN, START and STOP make the sidecar CPU act on the command page:
	 * writes, in effect. A file opened read-only gets EBADF for them, as
	 * write(2) on it would (INFO only reads).
	 */
	if (!(file->f_mode & FMODE_WRITE))
		return -EBADF;
	/* arg is a Linux CPU number; i its index in this node. */
	ret = scmd_vp_index(&f->node->cmd, arg, &i);
	if (ret)
		return ret;
	if (cmd == SIDECAR_IOCTL_RUN)
		return sidecar_ioctl_run(f, i);
	return sidecar_ioctl_start_stop(f, cmd, i);
}

/*
 * The next CPU whose START ended, as a u32 Linux CPU number, consumed only
 * after the copy to user space succeeded (cmd_state.c says why). The copy
 * may fault and sleep, so it runs unlocked.
 */
static ssize_t sidecar_read(struct file *file, char __user *buf, size_t count, loff_t *ppos)
{
	struct sidecar_file *f = file->private_data;
	struct sidecar_node *node = f->node;
	unsigned long flags;
	unsigned int i;
	bool have;
	int ret;

	if (count < sizeof(u32))
		return -EINVAL;
	for (;;) {
		spin_lock_irqsave(&node->lock, flags);
		have = scmd_read_peek_locked(&f->cmd, &i);
		spin_unlock_irqrestore(&node->lock, flags);
		if (!have) {
			if (file->f_flags & O_NONBLOCK)
				return -EAGAIN;
			ret = wait_event_interruptible(node->wq, scmd_readable(&f->cmd));
			if (ret)
				return ret;
			continue;
		}

		if (put_user(node->base_cpu + i, (u32 __user *)buf))
			return -EFAULT;

		spin_lock_irqsave(&node->lock, flags);
		have = scmd_read_consume_locked(&f->cmd, i);
		spin_unlock_irqrestore(&node->lock, flags);
		if (have)
			return sizeof(u32);
	}
}

static __poll_t sidecar_poll(struct file *file, poll_table *wait)
{
	struct sidecar_file *f = file->private_data;

	poll_wait(file, &f->node->wq, wait);
	return scmd_readable(&f->cmd) ? EPOLLIN | EPOLLRDNORM : 0;
}

/*
 * The node's shared pages, and nothing else: for CPU base_cpu + i the
 * command page at i * 8192 and the register page after it.
 */
static int sidecar_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct sidecar_node *node = ((struct sidecar_file *)file->private_data)->node;
	unsigned long size = vma->vm_end - vma->vm_start;
	u64 offset;

	/* A private mapping would copy the pages the sidecar CPU writes. */
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (vma->vm_pgoff > node->shmem_size >> PAGE_SHIFT)
		return -EINVAL;
	offset = (u64)vma->vm_pgoff << PAGE_SHIFT;
	if (size > node->shmem_size - offset)
		return -EINVAL;
	/* Reserved memory, mapped write-back like the driver's own mapping. */
	return remap_pfn_range(vma, vma->vm_start, (node->shmem_pa + offset) >> PAGE_SHIFT, size,
			       vma->vm_page_prot);
}

/* Stops what the file started and waits until all of it ended. */
static int sidecar_release(struct inode *inode, struct file *file)
{
	struct sidecar_file *f = file->private_data;
	struct sidecar_node *node = f->node;
	unsigned long flags;
	u32 i;

	spin_lock_irqsave(&node->lock, flags);
	scmd_release_stop_locked(&node->cmd, &f->cmd);
	spin_unlock_irqrestore(&node->lock, flags);

	/*
	 * Bounded like a RUN after a signal: the watchdog ends every stopped
	 * command within sidecar_stop_bound(), by a response or by giving the
	 * CPU up. A killed VMM therefore exits in bounded time.
	 */
	if (!wait_event_timeout(node->wq, scmd_file_quiet(&f->cmd), sidecar_stop_bound())) {
		spin_lock_irqsave(&node->lock, flags);
		for (i = 0; i < node->cpu_count; i++)
			if (scmd_release_straggler_locked(&node->cmd, &f->cmd, i))
				sidecar_expire_vp_locked(node, i);
		spin_unlock_irqrestore(&node->lock, flags);
	}

	spin_lock_irqsave(&node->lock, flags);
	scmd_release_end_locked(&node->cmd, &f->cmd);
	spin_unlock_irqrestore(&node->lock, flags);
	kvfree(f);
	return 0;
}

static const struct file_operations sidecar_fops = {
	.owner = THIS_MODULE,
	.open = sidecar_open,
	.release = sidecar_release,
	.read = sidecar_read,
	.poll = sidecar_poll,
	.mmap = sidecar_mmap,
	.unlocked_ioctl = sidecar_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

/* sysfs, on the misc device: /sys/class/misc/sidecarN/ */

static struct sidecar_node *dev_node(struct device *dev)
{
	struct miscdevice *misc = dev_get_drvdata(dev);

	return container_of(misc, struct sidecar_node, misc);
}

#define SIDECAR_NODE_ATTR(name, fmt, expr)						\
static ssize_t name##_show(struct device *dev, struct device_attribute *attr, char *buf)	\
{											\
	struct sidecar_node *node = dev_node(dev);					\
											\
	return sysfs_emit(buf, fmt "\n", expr);						\
}											\
static DEVICE_ATTR_RO(name)

SIDECAR_NODE_ATTR(node_index, "%u", node->index);
SIDECAR_NODE_ATTR(base_cpu, "%u", node->base_cpu);
SIDECAR_NODE_ATTR(cpu_count, "%u", node->cpu_count);
SIDECAR_NODE_ATTR(request_vector, "%#x", node->request_vector);
SIDECAR_NODE_ATTR(response_cpu, "%u", READ_ONCE(node->resp_cpu));
SIDECAR_NODE_ATTR(response_vector, "%#x", READ_ONCE(node->resp_vector));
SIDECAR_NODE_ATTR(response_irqs, "%llu", READ_ONCE(node->irq_count));
SIDECAR_NODE_ATTR(missed_irqs, "%llu", READ_ONCE(node->fallback_count));

/* One word per CPU: the control page's status, or "crashed" or "lost". */
static const char *cpu_status_word(struct sidecar_node *node, u32 i)
{
	u8 gone = scmd_get(node->cmd.vps[i].gone);

	if (gone == SCMD_GONE_CRASHED)
		return "crashed";
	if (gone == SCMD_GONE_LOST)
		return "lost";
	return sidecar_status_name(sidecar_cpu_status(node->cp, i));
}

/* "cpu status" lines; binary so that 4032 CPUs fit (a sysfs text is a page). */
static ssize_t cpu_status_read(struct file *filp, struct kobject *kobj,
			       struct bin_attribute *attr, char *buf, loff_t off, size_t count)
{
	struct sidecar_node *node = dev_node(kobj_to_dev(kobj));
	size_t cap = (size_t)node->cpu_count * 24, len = 0;
	ssize_t ret;
	char *text;
	u32 i;

	text = kvmalloc(cap, GFP_KERNEL);
	if (!text)
		return -ENOMEM;
	for (i = 0; i < node->cpu_count; i++)
		len += scnprintf(text + len, cap - len, "%u %s\n", node->base_cpu + i,
				 cpu_status_word(node, i));
	ret = memory_read_from_buffer(buf, count, &off, text, len);
	kvfree(text);
	return ret;
}
static BIN_ATTR_RO(cpu_status, 0);

static struct attribute *sidecar_attrs[] = {
	&dev_attr_node_index.attr,
	&dev_attr_base_cpu.attr,
	&dev_attr_cpu_count.attr,
	&dev_attr_request_vector.attr,
	&dev_attr_response_cpu.attr,
	&dev_attr_response_vector.attr,
	&dev_attr_response_irqs.attr,
	&dev_attr_missed_irqs.attr,
	NULL,
};

static struct bin_attribute *sidecar_bin_attrs[] = {
	&bin_attr_cpu_status,
	NULL,
};

static const struct attribute_group sidecar_group = {
	.attrs = sidecar_attrs,
	.bin_attrs = sidecar_bin_attrs,
};

static const struct attribute_group *sidecar_groups[] = {
	&sidecar_group,
	NULL,
};

int sidecar_node_register(struct sidecar_node *node)
{
	int ret;

	node->misc.minor = MISC_DYNAMIC_MINOR;
	node->misc.name = node->name;
	node->misc.fops = &sidecar_fops;
	node->misc.mode = 0600;
	node->misc.groups = sidecar_groups;
	ret = misc_register(&node->misc);
	if (ret) {
		pr_err("node %u: cannot register /dev/%s: %d\n", node->index, node->name, ret);
		return ret;
	}
	node->misc_registered = true;
	return 0;
}

void sidecar_node_unregister(struct sidecar_node *node)
{
	if (node->misc_registered)
		misc_deregister(&node->misc);
	node->misc_registered = false;
}
